#!/usr/bin/env python3
"""sigv4.py: an S3 endpoint on loopback that checks every request's SigV4 signature as S3 does.

s3rver (tests/s3) checks the access key id but no SigV4 signature. This proxy, in front of it,
rebuilds the canonical request of every request from what it received, the way S3 does (the
path and query decoded, then encoded again; the signed headers as they arrived), has botocore
sign it (botocore.auth.S3SigV4Auth: independent of patronus-dr and of libcurl), and answers
S3's error XML, without asking s3rver, when the request is not what S3 accepts:

  403 SignatureDoesNotMatch    the signatures differ, or a signed header is not in the request
  403 AccessDenied             an x-amz-* header that is not signed; no x-amz-date
  403 RequestTimeTooSkewed     x-amz-date more than 15 minutes off this proxy's clock
  400 AuthorizationHeaderMalformed   another region in the scope; a scope date not x-amz-date's
  400 InvalidRequest           no x-amz-content-sha256
  400 XAmzContentSHA256Mismatch      x-amz-content-sha256 not the body's SHA-256
  400 BadDigest                Content-MD5 or x-amz-checksum-sha256 not the body's
  403 InvalidAccessKeyId, 403 InvalidToken   another key id; a session token missing or wrong

  sigv4.py selftest
        the checker checked: AWS's documented example reproduces; requests botocore signed
        (keys with space, +, =, %, non-ASCII, ~; a session token; a body) pass; tampered
        ones fail with S3's code
  sigv4.py proxy PORT UPSTREAM LOG [OPTION...] [MODE...]
        serve on 127.0.0.1:PORT, forward what passes to 127.0.0.1:UPSTREAM (s3rver), one JSON
        line per request in LOG with the verdict. OPTIONs:
          --access-key K --secret S   the key pair (default S3RVER, S3RVER)
          --region R                  the bucket's region (default us-east-1)
          --token T                   a session token every request must carry
          --clock-offset SECONDS      this proxy's clock runs that far ahead
          --tls CERT KEY              https with this certificate
          --page N                    ListObjectsV2 answered here in pages of N objects, with
                                      continuation tokens full of + / = space % & and non-ASCII
        MODEs make it answer as other stores do, or badly:
          md5-of-parts  multipart ETag as AWS makes it, the MD5 of the parts' MD5s "-N"
                        (s3rver answers the object's MD5)
          checksum      SHA-256 checksums as AWS keeps them: each part's answered, the parts'
                        required in the completion, the SHA-256 of the parts' SHA-256s "-N"
          badsum        with checksum: answer a wrong one
          corrupt       flip one byte of part 2 on its way to s3rver
          hostile       refuse every request that passes with 403 AccessDenied whose
                        message holds a line break, a forged log line and 10 kB of text
  sigv4.py verify LOG
        the verdicts in LOG: one line per request, a summary; exit 1 when one was rejected
        or there were none (a request whose client gave up mid-body is counted apart)
"""
import base64
import calendar
import hashlib
import hmac
import http.client
import http.server
import json
import re
import ssl
import sys
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode

SKEW = 15 * 60
ODD_TOKEN = "tok+/= €~%&"


class Reject(Exception):
    """A request S3 would refuse: HTTP status, S3 error code, message, extra elements."""

    def __init__(self, status, code, message, **extra):
        super().__init__(code)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class Config:
    """What the checker believes: the key pair, the region, the token, its clock."""

    def __init__(self):
        self.access_key = "S3RVER"
        self.secret = "S3RVER"
        self.region = "us-east-1"
        self.token = None
        self.clock_offset = 0

    def now(self):
        return time.time() + self.clock_offset


def amz_time(s):
    """Seconds since the epoch of an x-amz-date (YYYYMMDDTHHMMSSZ), or None."""
    try:
        return calendar.timegm(time.strptime(s, "%Y%m%dT%H%M%SZ"))
    except (TypeError, ValueError):
        return None


def check(cfg, method, target, headers, body):
    """Check one request as S3 does; raise Reject when S3 would refuse it. Returns the
    canonical request botocore built."""
    get = {}
    for k, v in headers:
        get.setdefault(k.lower(), []).append(v)

    def one(name):
        v = get.get(name)
        return v[0] if v else None

    auth = one("authorization")
    if auth is None:
        raise Reject(403, "AccessDenied", "Access Denied")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        raise Reject(400, "AuthorizationHeaderMalformed",
                     "The authorization header is malformed; not AWS4-HMAC-SHA256.")
    try:
        fields = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        akid, cdate, region, service, term = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        provided = fields["Signature"]
    except (KeyError, ValueError):
        raise Reject(400, "AuthorizationHeaderMalformed",
                     "The authorization header is malformed; incomplete.")
    if akid != cfg.access_key:
        raise Reject(403, "InvalidAccessKeyId",
                     "The AWS Access Key Id you provided does not exist in our records.",
                     AWSAccessKeyId=akid)
    amzdate = one("x-amz-date")
    when = amz_time(amzdate)
    if when is None:
        raise Reject(403, "AccessDenied",
                     "AWS authentication requires a valid Date or x-amz-date header")
    if abs(cfg.now() - when) > SKEW:
        raise Reject(403, "RequestTimeTooSkewed",
                     "The difference between the request time and the current time is too "
                     "large.", RequestTime=amzdate,
                     ServerTime=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(cfg.now())),
                     MaxAllowedSkewMilliseconds=str(SKEW * 1000))
    if region != cfg.region:
        raise Reject(400, "AuthorizationHeaderMalformed",
                     "The authorization header is malformed; the region '%s' is wrong; "
                     "expecting '%s'" % (region, cfg.region), Region=cfg.region)
    if cdate != amzdate[:8] or service != "s3" or term != "aws4_request":
        raise Reject(400, "AuthorizationHeaderMalformed",
                     "The authorization header is malformed; Invalid credential date. "
                     "Date is not the same as X-Amz-Date.")
    csha = one("x-amz-content-sha256")
    if csha is None:
        raise Reject(400, "InvalidRequest",
                     "Missing required header for this request: x-amz-content-sha256")
    body_sha = hashlib.sha256(body).hexdigest()
    if csha != "UNSIGNED-PAYLOAD" and csha != body_sha:
        raise Reject(400, "XAmzContentSHA256Mismatch",
                     "The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.", ClientComputedContentSHA256=csha,
                     S3ComputedContentSHA256=body_sha)
    unsigned = sorted(h for h in get if h.startswith("x-amz-") and h not in signed)
    if "host" not in signed:
        unsigned.insert(0, "host")
    if unsigned:
        raise Reject(403, "AccessDenied",
                     "There were headers present in the request which were not signed",
                     HeadersNotSigned=", ".join(unsigned))
    absent = [h for h in signed if h not in get]
    if absent:
        # libcurl before 8.3.0 signs a header it was told to remove ("Expect:").
        raise Reject(403, "SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you "
                     "provided. Check your key and signing method.",
                     CheckerDetail="signed header(s) not in the request: " + ";".join(absent))
    token = one("x-amz-security-token")
    if token != cfg.token:
        raise Reject(403 if cfg.token else 400, "InvalidToken",
                     "The provided token is malformed or otherwise invalid.")

    # The canonical request as S3 builds it: the key and query decoded from what came, then
    # encoded by botocore as it encodes what it sends.
    # http.server decoded the request line as ISO-8859-1: back to the bytes that came.
    path, _, query = target.encode("iso-8859-1").partition(b"?")
    params = []
    try:
        for item in query.split(b"&") if query else []:
            k, _, v = item.partition(b"=")
            params.append((urllib.parse.unquote_to_bytes(k).decode("utf-8"),
                           urllib.parse.unquote_to_bytes(v).decode("utf-8")))
    except UnicodeDecodeError:
        raise Reject(400, "InvalidURI", "Couldn't parse the specified URI.")
    url = "http://%s%s" % (one("host"), percent_encode(urllib.parse.unquote_to_bytes(path),
                                                       safe="/~"))
    req = AWSRequest(method=method, url=url, data=body, params=params)
    for k, v in headers:
        if k.lower() in signed:
            req.headers[k] = v
    req.context["timestamp"] = amzdate
    signer = S3SigV4Auth(Credentials(cfg.access_key, cfg.secret, cfg.token), "s3", cfg.region)
    theirs = signer.signed_headers(signer.headers_to_sign(req))
    creq = signer.canonical_request(req)
    sts = signer.string_to_sign(req, creq)
    sig = signer.signature(sts, req)
    if theirs != ";".join(signed) or not hmac.compare_digest(sig, provided):
        raise Reject(403, "SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you "
                     "provided. Check your key and signing method.",
                     AWSAccessKeyId=akid, StringToSign=sts, SignatureProvided=provided,
                     CanonicalRequest=creq,
                     CheckerDetail="" if theirs == ";".join(signed) else
                     "signed %s, botocore signs %s" % (";".join(signed), theirs))
    md5 = one("content-md5")
    if md5 is not None and md5 != base64.b64encode(hashlib.md5(body).digest()).decode():
        raise Reject(400, "BadDigest", "The Content-MD5 you specified did not match what we "
                     "received.")
    cs = one("x-amz-checksum-sha256")
    if cs is not None and cs != base64.b64encode(hashlib.sha256(body).digest()).decode():
        raise Reject(400, "BadDigest", "The SHA256 you specified did not match the "
                     "calculated checksum.")
    return creq


def error_xml(e):
    """S3's <Error> document for a Reject."""
    extra = "".join("<%s>%s</%s>" % (k, escape(v), k) for k, v in e.extra.items())
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s"
            "</Message>%s<RequestId>0000000000000000</RequestId></Error>" %
            (e.code, escape(e.message), extra)).encode()


class Proxy(http.server.BaseHTTPRequestHandler):
    """Check a request, forward it upstream when it passes, relay the answer."""
    protocol_version = "HTTP/1.1"
    upstream = 0
    log = None
    cfg = Config()
    page = 0
    lock = threading.Lock()
    modes = set()
    corrupted = False
    parts = {}      # (uploadId, partNumber) -> (MD5, SHA-256) of the body the store got

    def answer(self, status, data, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def fail(self, status, code, msg):
        """Answer an S3 <Error> without asking upstream."""
        self.answer(status, error_xml(Reject(status, code, msg)),
                    [("Content-Type", "application/xml")])

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

    def upstream_request(self, method, target, body, headers):
        c = http.client.HTTPConnection("127.0.0.1", Proxy.upstream, timeout=60)
        try:
            c.request(method, target, body=body if body else None, headers=headers)
            resp = c.getresponse()
            return resp.status, resp.reason, resp.getheaders(), resp.read()
        finally:
            c.close()

    def paged_list(self, target, fwd):
        """ListObjectsV2 in pages of Proxy.page, s3rver asked for the whole listing; the
        continuation token is ODD_TOKEN and the offset. Returns the answer, or None when
        the token is not one of ours."""
        path, _, query = target.partition("?")
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        start = 0
        if "continuation-token" in q:
            tok = q.pop("continuation-token")
            if not tok.startswith(ODD_TOKEN) or not tok[len(ODD_TOKEN):].isdigit():
                return None
            start = int(tok[len(ODD_TOKEN):])
        status, reason, hdrs, data = self.upstream_request(
            "GET", path + "?" + urllib.parse.urlencode(q, quote_via=urllib.parse.quote),
            b"", fwd)
        if status != 200:
            return status, reason, hdrs, data
        contents = re.findall(rb"<Contents>.*?</Contents>", data, re.S)
        page = contents[start:start + Proxy.page]
        more = start + Proxy.page < len(contents)
        head = re.sub(rb"<Contents>.*", b"", data, flags=re.S)
        head = re.sub(rb"<(IsTruncated|KeyCount|NextContinuationToken)>[^<]*</\1>", b"", head)
        # An empty listing has no <Contents> to cut at: its end tag is added below.
        head = re.sub(rb"</ListBucketResult>\s*$", b"", head)
        out = head + b"<KeyCount>%d</KeyCount><IsTruncated>%s</IsTruncated>" % (
            len(page), b"true" if more else b"false")
        if more:
            out += ("<NextContinuationToken>%s</NextContinuationToken>" %
                    escape(ODD_TOKEN + str(start + Proxy.page))).encode()
        out += b"".join(page) + b"</ListBucketResult>"
        return status, reason, [(k, v) for k, v in hdrs if k.lower() != "content-length"], out

    def log_message(self, *args):
        pass

    def relay(self):
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return self.fail(411, "MissingContentLength",
                             "You must provide the Content-Length HTTP header.")
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        rec = {"time": round(time.time(), 3), "method": self.command, "target": self.path,
               "headers": [[k, v] for k, v in self.headers.items()],
               "body_len": len(body), "body_sha256": hashlib.sha256(body).hexdigest(),
               "body_md5": base64.b64encode(hashlib.md5(body).digest()).decode()}
        if len(body) < n:
            # The client gave up mid-body (a failed upload's other parts): nobody to answer.
            rec["verdict"] = "incomplete"
            with Proxy.lock:
                with open(Proxy.log, "a") as f:
                    f.write(json.dumps(rec) + "\n")
            self.close_connection = True
            return None
        rejected = None
        try:
            check(Proxy.cfg, self.command, self.path, self.headers.items(), body)
            rec["verdict"] = "ok"
        except Reject as e:
            rejected = e
            rec["verdict"] = e.code
            rec["why"] = e.message + (" [%s]" % e.extra["CheckerDetail"]
                                      if e.extra.get("CheckerDetail") else "")
        with Proxy.lock:
            with open(Proxy.log, "a") as f:
                f.write(json.dumps(rec) + "\n")
        if rejected is not None:
            return self.answer(rejected.status, error_xml(rejected),
                               [("Content-Type", "application/xml")])
        if "hostile" in Proxy.modes:
            msg = "Denied.\r\nERROR: forged line\t" + "x" * 10000
            return self.answer(403, error_xml(Reject(403, "AccessDenied", msg)),
                               [("Content-Type", "application/xml")])
        got = self.mangle(urllib.parse.urlsplit(self.path).query, body)
        if got is None:
            return
        body, extra, rewrite = got
        fwd = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
        res = None
        if Proxy.page and self.command == "GET" and "list-type=2" in self.path:
            res = self.paged_list(self.path, fwd)
            if res is None:
                return self.fail(400, "InvalidArgument",
                                 "The continuation token provided is incorrect")
        if res is None:
            res = self.upstream_request(self.command, self.path, body, fwd)
        status, reason, hdrs, data = res
        if rewrite is not None and status == 200:
            data = rewrite(data)
        self.send_response(status, reason)
        for k, v in hdrs:
            if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(k, v)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay


def serve(port, upstream, log, args):
    """The proxy, as the options and modes in args say."""
    modes = set()
    tls = None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--access-key":
            Proxy.cfg.access_key = args[i + 1]
        elif a == "--secret":
            Proxy.cfg.secret = args[i + 1]
        elif a == "--region":
            Proxy.cfg.region = args[i + 1]
        elif a == "--token":
            Proxy.cfg.token = args[i + 1]
        elif a == "--clock-offset":
            Proxy.cfg.clock_offset = int(args[i + 1])
        elif a == "--page":
            Proxy.page = int(args[i + 1])
        elif a == "--tls":
            tls = (args[i + 1], args[i + 2])
            i += 1
        else:
            modes.add(a)
            i += 1
            continue
        i += 2
    Proxy.upstream = upstream
    Proxy.log = log
    Proxy.modes = modes
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy)
    srv.daemon_threads = True
    if tls is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    srv.serve_forever()


def verify(log):
    """Print each request's verdict and a summary; 0 when every one passed."""
    n = bad = cut = 0
    with open(log) as f:
        for line in f:
            r = json.loads(line)
            what = "%s %s" % (r["method"], r["target"])
            if r.get("verdict") == "incomplete":
                cut += 1
                print("cut %s: the client gave up mid-body, not judged" % what)
                continue
            n += 1
            if r.get("verdict") == "ok":
                print("good %s" % what)
            else:
                bad += 1
                print("BAD %s: %s: %s" % (what, r.get("verdict"), r.get("why", "")))
    print("%d requests checked by botocore's S3SigV4Auth, %d rejected%s" % (
        n, bad, ", %d cut off by the client" % cut if cut else ""))
    return 0 if bad == 0 and n > 0 else 1


class Stub(http.server.BaseHTTPRequestHandler):
    """The self-test's upstream: 200 and a small XML body for everything."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def any(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        data = b"<ok/>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = any


def selftest():
    """Check the checker: AWS's example; botocore-signed requests pass; tampered ones fail."""
    import tempfile
    failed = 0

    def report(good, what):
        nonlocal failed
        print("%s - %s" % ("ok" if good else "not ok", what))
        failed += 0 if good else 1

    # 1. AWS S3 documentation, "Example: GET Object", through check() with its clock set.
    cfg = Config()
    cfg.access_key, cfg.secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    cfg.clock_offset = amz_time("20130524T000000Z") - time.time()
    empty = hashlib.sha256(b"").hexdigest()
    want = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    example = [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
               ("x-amz-content-sha256", empty), ("x-amz-date", "20130524T000000Z"),
               ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
                "us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;"
                "x-amz-date,Signature=" + want)]
    try:
        check(cfg, "GET", "/test.txt", example, b"")
        report(True, "AWS's documented example (GET /test.txt) has the documented signature")
    except Reject as e:
        report(False, "AWS's documented example: %s %s" % (e.code, e.extra))
    wrong = example[:-1] + [(example[-1][0], example[-1][1][:-1] + "0")]
    try:
        check(cfg, "GET", "/test.txt", wrong, b"")
        report(False, "a signature one digit off passes")
    except Reject as e:
        report(e.code == "SignatureDoesNotMatch", "a signature one digit off: " + e.code)

    # 2. Over HTTP through the proxy to a stub: botocore signs, then a request is tampered with.
    stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    log = tempfile.NamedTemporaryFile(prefix="sigv4-selftest", suffix=".log", delete=True)
    Proxy.upstream = stub.server_address[1]
    Proxy.log = log.name
    Proxy.cfg = Config()
    Proxy.cfg.region = "eu-central-1"
    Proxy.cfg.token = "FwoGZXIvYXdzE+/token=="
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    creds = Credentials("S3RVER", "S3RVER", Proxy.cfg.token)

    def signed(method, key, query=(), body=b"", headers=None, region="eu-central-1",
               when=None, secret="S3RVER", raw_path=None, sign_absent=(), token=None):
        """(target, headers) of a request botocore signed; raw_path: sign that path as
        it is; sign_absent: also sign these headers, empty, as libcurl < 8.3.0 does."""
        path = raw_path or "/pdr/" + percent_encode(key, safe="/~")
        qs = "&".join("%s=%s" % (percent_encode(k), percent_encode(v)) for k, v in query)
        target = path + ("?" + qs if qs else "")
        req = AWSRequest(method=method, url="http://127.0.0.1:%d%s" % (port, target),
                         data=body, headers=dict(headers or {}))
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(when or time.time()))
        req.context["timestamp"] = stamp
        req.headers["Host"] = "127.0.0.1:%d" % port
        req.headers["X-Amz-Date"] = stamp
        if token != "":
            req.headers["X-Amz-Security-Token"] = token or creds.token
        req.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()

        class Signer(S3SigV4Auth):
            def headers_to_sign(self, request):
                h = super().headers_to_sign(request)
                for name in sign_absent:
                    h[name] = ""
                return h
        signer = Signer(Credentials("S3RVER", secret, creds.token), "s3", region)
        sts = signer.string_to_sign(req, signer.canonical_request(req))
        req.headers["Authorization"] = (
            "AWS4-HMAC-SHA256 Credential=S3RVER/%s/%s/s3/aws4_request, SignedHeaders=%s, "
            "Signature=%s" % (stamp[:8], region,
                              signer.signed_headers(signer.headers_to_sign(req)),
                              signer.signature(sts, req)))
        return target, [(k, v) for k, v in req.headers.items()]

    def send(target, headers, method="GET", body=b""):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for k, v in headers:
            c.putheader(k, v)
        if body or method in ("PUT", "POST"):
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body if body else None)
        r = c.getresponse()
        data = r.read()
        c.close()
        m = re.search(rb"<Code>([^<]*)</Code>", data)
        return r.status, m.group(1).decode() if m else ""

    def expect(what, status, code, target, headers, method="GET", body=b""):
        got = send(target, headers, method, body)
        report(got == (status, code), "%s: %s %s%s" % (
            what, got[0], got[1] or "OK", "" if got == (status, code) else
            " (want %d %s)" % (status, code or "OK")))

    odd = "site a/€ x+y=z%25~/patronus-daily-2026.db"
    t, h = signed("GET", odd)
    expect("GET of a key with space + = % € ~, botocore-signed", 200, "", t, h)
    t, h = signed("GET", "", [("list-type", "2"), ("prefix", "site a/€/"),
                              ("continuation-token", "a+b/c=d €")])
    expect("a listing with an encoded prefix and continuation token", 200, "", t, h)
    body = b"x" * 100000
    t, h = signed("PUT", odd, body=body, headers={"Content-Type": "application/octet-stream"})
    expect("PUT with a body, its SHA-256 signed", 200, "", t, h, "PUT", body)
    t, h = signed("POST", "k", [("uploads", "")], headers={"Content-Type": "application/xml"})
    expect("POST ?uploads", 200, "", t, h, "POST")

    # Tampered: each one a single change to a request that passes.
    t, h = signed("GET", odd)
    expect("the path altered after signing", 403, "SignatureDoesNotMatch",
           t.replace("/pdr/", "/pdr/x"), h)
    expect("the path sent in lower-case percent-encoding, signed upper-case (S3 decodes)",
           200, "", re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), t), h)
    raw = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), t)
    t, h = signed("GET", odd, raw_path=raw)
    expect("a path signed in the lower-case encoding it was sent in", 403,
           "SignatureDoesNotMatch", t, h)
    t, h = signed("GET", odd, raw_path="/pdr/" + urllib.parse.quote(odd, safe="/~+="))
    expect("a path with + and = not encoded, signed as sent", 403, "SignatureDoesNotMatch",
           t, h)
    t, h = signed("PUT", "k", body=b"abc", sign_absent=("expect",))
    expect("a signed header that is absent (expect, as libcurl < 8.3.0 signs it)", 403,
           "SignatureDoesNotMatch", t, h, "PUT", b"abc")
    with open(log.name) as f:
        why = json.loads(f.readlines()[-1]).get("why", "")
    report("not in the request: expect" in why, "... and it is named: " + why)
    t, h = signed("GET", "k")
    expect("an unsigned x-amz-* header", 403, "AccessDenied", t, h + [("x-amz-meta-a", "1")])
    expect("x-amz-content-sha256 missing", 400, "InvalidRequest", t,
           [(k, v) for k, v in h if k.lower() != "x-amz-content-sha256"])
    t, h = signed("PUT", "k", body=b"abc")
    expect("a body that is not the one signed", 400, "XAmzContentSHA256Mismatch", t, h, "PUT",
           b"abd")
    t, h = signed("GET", "k", when=time.time() - SKEW - 60)
    expect("a date 16 minutes ago", 403, "RequestTimeTooSkewed", t, h)
    t, h = signed("GET", "k", when=time.time() - SKEW + 60)
    expect("a date 14 minutes ago", 200, "", t, h)
    t, h = signed("GET", "k", region="us-east-1")
    expect("the wrong region in the scope", 400, "AuthorizationHeaderMalformed", t, h)
    t, h = signed("GET", "k", secret="wrong")
    expect("the wrong secret key", 403, "SignatureDoesNotMatch", t, h)
    t, h = signed("GET", "k", token="")
    expect("signed without the session token", 403, "InvalidToken", t, h)
    t, h = signed("GET", "k", token="another")
    expect("signed with another session token", 403, "InvalidToken", t, h)
    t, h = signed("GET", "k")
    expect("no Authorization", 403, "AccessDenied", t,
           [(k, v) for k, v in h if k.lower() != "authorization"])
    expect("another key id", 403, "InvalidAccessKeyId", t,
           [(k, v.replace("S3RVER/", "OTHER/")) for k, v in h])
    t, h = signed("PUT", "k", body=b"abc", headers={"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="})
    expect("a Content-MD5 that is not the body's", 400, "BadDigest", t, h, "PUT", b"abc")
    srv.shutdown()
    stub.shutdown()
    with open(log.name) as f:
        n = sum(1 for _ in f)
    print("%d requests through the checker, %d checks failed" % (n, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "selftest":
        sys.exit(selftest())
    elif len(sys.argv) >= 5 and sys.argv[1] == "proxy":
        serve(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2]))
    sys.stderr.write("usage: sigv4.py selftest | proxy PORT UPSTREAM LOG [OPTION...] [MODE...]"
                     " | verify LOG\n")
    sys.exit(64)
