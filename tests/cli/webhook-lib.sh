# webhook-lib.sh: a webhook listener on loopback for the notification tests.
# Source after lib.sh; call webhook_stop from the EXIT trap.
pids=

# webhook_stop: end the listeners this test started.
webhook_stop() {
	stop_followers
	for p in $pids; do kill "$p" 2>/dev/null; done
}

# listen MODE: start a loopback listener ("answer": an HTTP server that keeps each
# POST in $T/post-N.json; "mute": accepts and never answers); sets $port.
listen() {
	rm -f "$T/port"
	python3 - "$1" "$T" <<'PY' &
import http.server, os, socket, sys, time
mode, d = sys.argv[1], sys.argv[2]
if mode == "mute":
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    open(d + "/port.tmp", "w").write(str(s.getsockname()[1]))
    os.rename(d + "/port.tmp", d + "/port")
    conns = []
    while True:
        c, _ = s.accept()
        conns.append(c)       # never read, never answer
n = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        n[0] += 1
        p = "%s/post-%d" % (d, n[0])
        open(p + ".tmp", "wb").write(
            (self.headers.get("Content-Type", "") + "\n").encode() + body)
        os.rename(p + ".tmp", p + ".json")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
open(d + "/port.tmp", "w").write(str(srv.server_address[1]))
os.rename(d + "/port.tmp", d + "/port")
srv.serve_forever()
PY
	pids="$pids $!"
	i=0
	while [ ! -f "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(cat "$T/port")
}

# wait_file FILE: wait up to 10 s for FILE.
wait_file() {
	i=0
	while [ ! -f "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -f "$1" ]
}

