#!/usr/bin/env python3
"""sigv4.py: check the S3 requests patronus-dr sends, independently of libcurl.

  sigv4.py selftest                       AWS's documented worked example (GET /test.txt)
  sigv4.py proxy PORT UPSTREAM LOG [MODE...]
                                          record every request (JSON lines in LOG) and
                                          forward it to 127.0.0.1:UPSTREAM (s3rver); MODEs
                                          make it answer as other stores do, or badly:
                                          md5-of-parts  multipart ETag as AWS makes it, the
                                                        MD5 of the parts' MD5s "-N" (s3rver
                                                        answers the object's MD5)
                                          checksum      SHA-256 checksums as AWS keeps them:
                                                        each part's answered, the parts'
                                                        required in the completion, the
                                                        SHA-256 of the parts' SHA-256s "-N"
                                                        answered
                                          badsum        with checksum: answer a wrong one
                                          corrupt       flip one byte of part 2 on its way
  sigv4.py verify LOG SECRET              recompute each request's SigV4 signature from
                                          AWS's documented algorithm (hmac, hashlib) and
                                          check x-amz-content-sha256 and Content-MD5

s3rver accepts any signature, so this is what shows the signatures are right.
"""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import re
import sys
import threading
import urllib.parse

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def uri_encode(s, keep_slash):
    """AWS's UriEncode: every byte but the unreserved ones as %XX (upper case)."""
    out = []
    for b in s.encode("utf-8"):
        if b in UNRESERVED or (keep_slash and b == ord("/")):
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def canonical_query(raw):
    """Decode the query as sent, then encode and sort it as AWS specifies."""
    if raw == "":
        return ""
    pairs = []
    for item in raw.split("&"):
        k, _, v = item.partition("=")
        pairs.append((uri_encode(urllib.parse.unquote(k), False),
                      uri_encode(urllib.parse.unquote(v), False)))
    pairs.sort()
    return "&".join("%s=%s" % kv for kv in pairs)


def signature(method, target, headers, signed, payload_hash, secret, date, region, service):
    """The SigV4 signature of a request, step by step as in AWS's documentation."""
    path, _, query = target.partition("?")
    canon_uri = uri_encode(urllib.parse.unquote(path), True)
    hdrs = {}
    for name, value in headers:
        hdrs.setdefault(name.lower(), []).append(" ".join(value.strip().split()))
    canon_headers = "".join("%s:%s\n" % (h, ",".join(hdrs.get(h, [""]))) for h in signed)
    creq = "\n".join([method, canon_uri, canonical_query(query), canon_headers,
                      ";".join(signed), payload_hash])
    amzdate = hdrs.get("x-amz-date", [""])[0]
    scope = "%s/%s/%s/aws4_request" % (date, region, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])

    def h(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()
    k = h(h(h(h(("AWS4" + secret).encode(), date), region), service), "aws4_request")
    return hmac.new(k, sts.encode(), hashlib.sha256).hexdigest(), creq


def selftest():
    """AWS S3 documentation, 'Example: GET Object'."""
    headers = [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
               ("x-amz-content-sha256",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
               ("x-amz-date", "20130524T000000Z")]
    sig, _ = signature("GET", "/test.txt", headers,
                       ["host", "range", "x-amz-content-sha256", "x-amz-date"],
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                       "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3")
    want = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    print("selftest signature %s (%s)" % (sig, "ok" if sig == want else "WRONG, want " + want))
    return 0 if sig == want else 1


def verify(log, secret):
    """Check every recorded request; print one line each and a summary."""
    bad = 0
    n = 0
    with open(log) as f:
        for line in f:
            r = json.loads(line)
            n += 1
            hdrs = r["headers"]
            get = {k.lower(): v for k, v in hdrs}
            auth = get.get("authorization", "")
            what = "%s %s" % (r["method"], r["target"])
            problems = []
            if not auth.startswith("AWS4-HMAC-SHA256 "):
                problems.append("no SigV4 Authorization")
            else:
                fields = dict(p.strip().split("=", 1) for p in auth[17:].split(","))
                akid, date, region, service, term = fields["Credential"].split("/")
                signed = fields["SignedHeaders"].split(";")
                for need in ("host", "x-amz-content-sha256", "x-amz-date"):
                    if need not in signed:
                        problems.append("%s not signed" % need)
                cut = r["body_len"] != int(get.get("content-length") or 0)
                if cut:
                    what += " (cut off mid-body by the test: payload not compared)"
                elif get.get("x-amz-content-sha256") != r["body_sha256"]:
                    problems.append("x-amz-content-sha256 %s is not the body's %s" %
                                    (get.get("x-amz-content-sha256"), r["body_sha256"]))
                if not cut and r["body_len"] > 0 and r["method"] == "PUT":
                    # A body goes with a digest the store can check: Content-MD5
                    # and/or x-amz-checksum-sha256, each the body's when sent.
                    md5 = get.get("content-md5")
                    cs = get.get("x-amz-checksum-sha256")
                    cs_want = base64.b64encode(bytes.fromhex(r["body_sha256"])).decode()
                    if md5 is None and cs is None:
                        problems.append("neither Content-MD5 nor x-amz-checksum-sha256")
                    if md5 is not None and md5 != r["body_md5"]:
                        problems.append("Content-MD5 %s is not the body's %s" %
                                        (md5, r["body_md5"]))
                    if cs is not None and cs != cs_want:
                        problems.append("x-amz-checksum-sha256 %s is not the body's %s" %
                                        (cs, cs_want))
                sig, creq = signature(r["method"], r["target"], hdrs, signed,
                                      get.get("x-amz-content-sha256", ""), secret, date,
                                      region, service)
                if sig != fields["Signature"]:
                    problems.append("signature %s, recomputed %s; canonical request:\n%s" %
                                    (fields["Signature"], sig, creq))
            if problems:
                bad += 1
                print("BAD %s: %s" % (what, "; ".join(problems)))
            else:
                print("good %s" % what)
    print("%d requests, %d bad" % (n, bad))
    return 0 if bad == 0 and n > 0 else 1


class Proxy(http.server.BaseHTTPRequestHandler):
    """Record a request, forward it upstream, relay the answer."""
    protocol_version = "HTTP/1.1"
    upstream = 0
    log = None
    lock = threading.Lock()
    modes = set()
    corrupted = False
    parts = {}      # (uploadId, partNumber) -> (MD5, SHA-256) of the body the store got

    def fail(self, status, code, msg):
        """Answer an S3 <Error> without asking upstream."""
        data = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                "<Message>%s</Message></Error>" % (code, msg)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def mangle(self, query, body):
        """As the modes say: corrupt a part, note what each part's store got.
        Returns (body to forward, extra answer headers, answer rewriter or None),
        or None when the request was answered here already."""
        extra = []
        q = urllib.parse.parse_qs(query)
        upload = q.get("uploadId", [""])[0]
        if self.command == "PUT" and "partNumber" in q:
            number = int(q["partNumber"][0])
            with Proxy.lock:
                if "corrupt" in Proxy.modes and number == 2 and not Proxy.corrupted:
                    Proxy.corrupted = True
                    body = bytearray(body)
                    body[len(body) // 2] ^= 0xFF
                    body = bytes(body)
                Proxy.parts[(upload, number)] = (hashlib.md5(body).digest(),
                                                 hashlib.sha256(body).digest())
            if "checksum" in Proxy.modes:
                extra.append(("x-amz-checksum-sha256",
                              base64.b64encode(hashlib.sha256(body).digest()).decode()))
            return body, extra, None
        if self.command != "POST" or not upload:
            return body, extra, None
        with Proxy.lock:
            got = sorted((n, d) for (u, n), d in Proxy.parts.items() if u == upload)
        sums = re.findall(rb"<ChecksumSHA256>([^<]*)</ChecksumSHA256>", body)
        if "checksum" in Proxy.modes and \
                sums != [base64.b64encode(d[1]) for _, d in got]:
            self.fail(400, "InvalidPart", "the parts' ChecksumSHA256 are missing or wrong")
            return None

        def rewrite(data):
            if "md5-of-parts" in Proxy.modes:
                etag = "%s-%d" % (hashlib.md5(b"".join(d[0] for _, d in got)).hexdigest(),
                                  len(got))
                data = re.sub(rb"<ETag>[^<]*</ETag>",
                              ("<ETag>&quot;%s&quot;</ETag>" % etag).encode(), data)
            if "checksum" in Proxy.modes:
                digest = bytearray(hashlib.sha256(b"".join(d[1] for _, d in got)).digest())
                if "badsum" in Proxy.modes:
                    digest[0] ^= 1
                cs = "%s-%d" % (base64.b64encode(bytes(digest)).decode(), len(got))
                data = data.replace(b"</CompleteMultipartUploadResult>",
                                    ("<ChecksumSHA256>%s</ChecksumSHA256>"
                                     "</CompleteMultipartUploadResult>" % cs).encode())
            return data
        return body, extra, rewrite

    def log_message(self, *args):
        pass

    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        rec = {"method": self.command, "target": self.path,
               "headers": [[k, v] for k, v in self.headers.items()],
               "body_len": len(body), "body_sha256": hashlib.sha256(body).hexdigest(),
               "body_md5": base64.b64encode(hashlib.md5(body).digest()).decode()}
        with Proxy.lock:
            with open(Proxy.log, "a") as f:
                f.write(json.dumps(rec) + "\n")
        got = self.mangle(urllib.parse.urlsplit(self.path).query, body)
        if got is None:
            return
        body, extra, rewrite = got
        c = http.client.HTTPConnection("127.0.0.1", Proxy.upstream, timeout=60)
        fwd = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
        c.request(self.command, self.path, body=body if body else None, headers=fwd)
        resp = c.getresponse()
        data = resp.read()
        if rewrite is not None and resp.status == 200:
            data = rewrite(data)
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(k, v)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        c.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay


def proxy(port, upstream, log, modes):
    Proxy.upstream = upstream
    Proxy.log = log
    Proxy.modes = set(modes)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "selftest":
        sys.exit(selftest())
    elif sys.argv[1] == "proxy":
        proxy(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    elif sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2], sys.argv[3]))
    sys.exit(64)
