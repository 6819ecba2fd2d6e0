#!/usr/bin/env python3
"""badstore.py PORT UPSTREAM MODE ARG: an S3 store on loopback that answers GETs as bad stores do,
in front of UPSTREAM (the SigV4 checker or s3rver) on 127.0.0.1. Requests whose path holds ARG
(the object's name) are answered badly; everything else is passed through. MODEs:
  gone      lists the object but answers 404 for it (removed between listing and download)
  norange   answers every ranged GET with the whole object (200), as a store without ranges
  cut       resets the connection half way through every answer for the object
  cutonce   resets it half way through the first answer of each range (a range asked
            again for the rest of it, ending at the same byte, is the same range)
  short     answers the first ask of each range after the first with half its bytes
            (206, Content-Length of the half, the Content-Range of the whole range)
  whole     answers the first ask of each range after the first with the whole object (200)
  replace   the object is replaced after its first GET: a GET with If-Match answers 412
            PreconditionFailed, one without gets other bytes (the old ETag kept)
  looptoken answers every listing with IsTruncated and the same NextContinuationToken (ARG), as
            a store that loops; objects pass through
  etagparts answers the object's ETag as AWS does for a multipart upload ("MD5-3", no MD5
            of the object), and an If-Match that is not that with 412
"""
import http.client
import http.server
import sys
import threading

port, up, mode, arg = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
seen = set()
lock = threading.Lock()
PARTS_ETAG = "0123456789abcdef0123456789abcdef-3"


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def error(self, status, code):
        body = ("<?xml version='1.0'?><Error><Code>%s</Code><Message>%s</Message></Error>"
                % (code, code)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if mode == "looptoken" and "list-type" in self.path:
            body = ("<?xml version='1.0'?><ListBucketResult><IsTruncated>true</IsTruncated>"
                    "<NextContinuationToken>%s</NextContinuationToken></ListBucketResult>"
                    % arg).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        ours = arg in self.path and "list-type" not in self.path and "prefix=" not in self.path
        rng = self.headers.get("Range")
        # a range asked again for what it lacks ends where it did: it is the same part
        part = rng.rpartition("-")[2] if rng else None
        with lock:
            first_of_range = (self.path, part) not in seen
            first_of_object = not any(p == self.path for p, _ in seen)
            seen.add((self.path, part))
        if ours and mode == "gone":
            return self.error(404, "NoSuchKey")
        if ours and mode == "replace" and not first_of_object and self.headers.get("If-Match"):
            return self.error(412, "PreconditionFailed")
        if ours and mode == "etagparts" and self.headers.get("If-Match") not in (None, '"%s"' % PARTS_ETAG):
            return self.error(412, "PreconditionFailed")
        drop_range = ours and (mode == "norange" or
                               (mode == "whole" and rng and not rng.startswith("bytes=0-")
                                and first_of_range))
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() not in ("range", "connection") or (k.lower() == "range" and not drop_range)}
        c = http.client.HTTPConnection("127.0.0.1", up)
        c.request("GET", self.path, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        if ours and mode == "replace" and not first_of_object:
            data = bytes(b ^ 0x5A for b in data)
        send = data
        if ours and mode == "short" and r.status == 206 and rng and \
                not rng.startswith("bytes=0-") and first_of_range:
            send = data[:len(data) // 2]
        self.send_response(r.status)
        for k, v in r.getheaders():
            if ours and mode == "etagparts" and k.lower() == "etag":
                v = '"%s"' % PARTS_ETAG
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(send)))
        self.end_headers()
        if ours and (mode == "cut" or (mode == "cutonce" and first_of_range)) and len(data) > 4096:
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.connection.shutdown(2)
            self.close_connection = True
            return
        self.wfile.write(send)


http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
