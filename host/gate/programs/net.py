"""Programs that talk to the network: fetching is CAUTION; sending local data, serving files and opening
shells to other machines need a person."""

from __future__ import annotations

import re

from tcphw.host.gate.analyse import Invocation, Output, is_loopback, program
from tcphw.host.gate.model import A, C, R
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.programs.code import run_file
from tcphw.host.gate.programs.options import Spec, parse
from tcphw.host.gate.programs.text import SECRET_NAME
from tcphw.host.gate.shell import UNKNOWN, Word

_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?([^/\s:@]+@)?([^/\s:]+|\[[0-9a-f:]+\])", re.I)

_CURL = Spec("0123456aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ#:", ())
_CURL_VALUE = set("AbcCdDeEFHKmortTuUwxXyYzQ") | {"E", "P"}
_CURL_LONG_VALUE = {
    "data",
    "data-ascii",
    "data-binary",
    "data-raw",
    "data-urlencode",
    "form",
    "form-string",
    "upload-file",
    "output",
    "header",
    "user-agent",
    "referer",
    "cookie",
    "cookie-jar",
    "user",
    "proxy",
    "request",
    "url",
    "config",
    "dump-header",
    "trace",
    "trace-ascii",
    "stderr",
    "write-out",
    "cacert",
    "cert",
    "key",
    "max-time",
    "connect-timeout",
    "retry",
    "resolve",
    "connect-to",
    "json",
    "variable",
    "expand-data",
    "netrc-file",
    "output-dir",
    "unix-socket",
    "abstract-unix-socket",
    "proxy-user",
    "oauth2-bearer",
    "range",
    "interface",
    "limit-rate",
    "max-filesize",
    "retry-delay",
    "retry-max-time",
    "keepalive-time",
    "ciphers",
    "pass",
    "hostpubmd5",
    "hostpubsha256",
    "mail-from",
    "mail-rcpt",
    "aws-sigv4",
    "etag-save",
    "etag-compare",
    "time-cond",
    "quote",
    "telnet-option",
    "ftp-port",
    "socks5",
    "socks5-hostname",
    "preproxy",
    "capath",
    "pinnedpubkey",
    "crlfile",
    "krb",
    "service-name",
    "dns-servers",
    "local-port",
    "max-redirs",
    "create-file-mode",
}
_CURL_SEND = {
    "-d",
    "--data",
    "--data-ascii",
    "--data-binary",
    "--data-raw",
    "--data-urlencode",
    "-F",
    "--form",
    "--form-string",
    "-T",
    "--upload-file",
    "--json",
}


def _remote_name(url: Word) -> str | None:
    """The file name curl -O and wget give a download: the URL path's last part (None where it has none)."""
    if not url.known:
        return None
    path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*", "", url.value.split("?", 1)[0].split("#", 1)[0], flags=re.I)
    name = path.rsplit("/", 1)[-1]
    return name if name not in ("", ".", "..") else None


@program("curl", "curlie")
def _curl(inv: Invocation) -> None:
    args = inv.args
    urls: list[Word] = []
    sends: list[tuple[str, Word]] = []
    outputs: list[Word] = []
    method = None
    remote_name = False
    i = 0
    inv.narrow()
    while i < len(args):
        w = args[i]
        v = w.value
        if v.startswith("--") and len(v) > 2:
            name, eq, value = v[2:].partition("=")
            if name in _CURL_LONG_VALUE:
                val = Word(w.raw, value, w.glob, w.quoted) if eq else (args[i + 1] if i + 1 < len(args) else None)
                i += 1 if eq else 2
                if val is None:
                    continue
                opt = "--" + name
                if opt in _CURL_SEND:
                    sends.append((opt, val))
                elif name == "output":
                    outputs.append(val)
                elif name in ("dump-header", "trace", "trace-ascii", "stderr", "cookie-jar", "etag-save"):
                    if val.value != "-":
                        inv.write(val, "curl.output")
                elif name == "request":
                    method = val.value.upper()
                elif name == "url":
                    urls.append(val)
                elif name in ("config", "netrc-file", "key", "cert"):
                    inv.read(val, "curl.file")
                elif name == "unix-socket":
                    urls.append(Word.literal("http://localhost"))
                elif name == "variable":
                    if val.value.startswith(("@", "%")) or "@" in val.value:
                        inv.read(Word.literal(val.value.split("@", 1)[1]), "curl.variable-file")
                elif name == "header" and val.value.startswith("@"):
                    inv.read(Word.literal(val.value[1:]), "curl.header-file")
                continue
            if name in ("remote-name", "remote-name-all", "remote-header-name"):
                remote_name = True
            if name == "netrc":
                inv.find(R, "curl.netrc", "sends the credentials stored in ~/.netrc", [w])
            i += 1
            continue
        if v.startswith("-") and len(v) > 1:
            j = 1
            while j < len(v):
                letter = v[j]
                if letter in _CURL_VALUE:
                    val = Word(w.raw, v[j + 1 :]) if j + 1 < len(v) else (args[i + 1] if i + 1 < len(args) else None)
                    if j + 1 >= len(v):
                        i += 1
                    if val is not None:
                        opt = "-" + letter
                        if opt in _CURL_SEND:
                            sends.append((opt, val))
                        elif letter == "o":
                            outputs.append(val)
                        elif letter in ("D", "c"):
                            if val.value != "-":
                                inv.write(val, "curl.output")
                        elif letter == "X":
                            method = val.value.upper()
                        elif letter == "K":
                            inv.read(val, "curl.config")
                        elif letter == "H" and val.value.startswith("@"):
                            inv.read(Word.literal(val.value[1:]), "curl.header-file")
                    break
                if letter in ("O", "J"):
                    remote_name = True
                if letter == "n":
                    inv.find(R, "curl.netrc", "sends the credentials stored in ~/.netrc", [w])
                j += 1
            i += 1
            continue
        urls.append(w)
        i += 1
    host = _host(urls[0]) if urls else None
    for opt, val in sends:
        value = val.value
        if opt in ("-T", "--upload-file"):
            if value == "-" or value == ".":
                inv.send(host, "curl.upload", "uploads standard input")
                _stdin_to_network(inv, host)
            else:
                inv.read(val, "curl.upload")
                inv.send(host, "curl.upload", f"uploads {val.shown()}")
            continue
        files = (
            re.findall(r"(?:^|[=;])[<@]([^;]+)", value)
            if opt in ("-F", "--form")
            else ([value[1:]] if value.startswith("@") and opt not in ("--data-raw", "--form-string") else [])
        )
        if opt == "--data-urlencode" and "@" in value:
            files = [value.split("@", 1)[1]]
        for f in files:
            if f == "-":
                inv.send(host, "curl.send", "sends standard input")
                _stdin_to_network(inv, host)
            else:
                inv.read(Word.literal(f) if UNKNOWN not in f else Word(f, UNKNOWN), "curl.send-file")
                inv.send(host, "curl.send", f"sends the file {f}")
        if not files:
            if val.known and "$" not in val.raw and "`" not in val.raw and opt not in ("-T", "--upload-file") and not (
                    host and _WEBHOOK.search(host)):  # fmt: skip
                # text written on the line, no file, no variable: what is sent is visible
                inv.find(C, "curl.send-text", f"sends the text given on the line to {host or 'a server'}", [val])
            else:
                inv.send(host, "curl.send", "sends data to a server")
    if any(w.value in ("-G", "--get") for w in args):
        sends = []  # -G puts the data into the URL's query: a request that only asks
    if method in ("POST", "PUT", "DELETE", "PATCH") and not sends:
        inv.send(host, "curl.method", f"sends a {method} request, which changes what the server holds")
    for o in outputs:
        if o.value != "-":
            inv.write(o, "curl.output")
            if urls:
                inv.downloaded(o)
    if remote_name:
        inv.write(Word.literal("./x"), "curl.remote-name")
        for u in urls:
            saved = _remote_name(u)
            if saved is not None:
                inv.downloaded(Word.literal(saved))
    for u in urls:
        if u.known and u.value.lower().startswith("file://"):
            inv.read(Word.literal(re.sub(r"^file://(localhost)?", "", u.value, flags=re.I)), "curl.file-url")
    if not urls:
        inv.find(A, "curl.nothing", "fetches nothing", inv.argv)
        return
    if host is not None and _METADATA.match(host):
        inv.find(R, "curl.metadata", "asks the cloud's instance metadata service, which hands out credentials", host)
    if not sends and method not in ("POST", "PUT", "DELETE", "PATCH"):
        inv.receive(host, "curl.fetch")
    _secret_headers(inv, host, [w for w in args if "$" in w.raw])
    inv.output = Output("network") if not outputs or all(o.value == "-" for o in outputs) else Output("local")


# where a post is publishing, whatever it posts: chat webhooks and paste or request-capture services
_WEBHOOK = re.compile(r"(hooks\.slack\.com|discord(app)?\.com|webhook|pastebin|paste\.|termbin|transfer\.sh|0x0\.st|"
                      r"requestbin|ngrok|pipedream|ix\.io|hastebin|dpaste|gist\.github)", re.I)  # fmt: skip
_METADATA = re.compile(r"^(169\.254\.169\.254|fd00:ec2::254|metadata\.google\.internal|100\.100\.100\.200|"
                       r"169\.254\.170\.2)$", re.I)  # fmt: skip


def _host(word: Word) -> str | None:
    if not word.known:
        prefix = word.prefix
        m = _URL.match(prefix)
        return m.group(2) if m and "/" in prefix[len(m.group(0)) :] + "/" and "://" in prefix else None
    m = _URL.match(word.value)
    return m.group(2) if m else None


def _stdin_to_network(inv: Invocation, host: str | None) -> None:
    src = inv.ctx.stdin
    if src is not None and src.kind == "secret":
        inv.find(R, "exfiltrate.secret", "sends a secret to the network", inv.argv[:1])


_TOKEN_HOSTS = {"GITHUB": ("github.com", "githubusercontent.com"), "GH": ("github.com",), "GITLAB": ("gitlab",),
                "NPM": ("npmjs.org", "npmjs.com"), "OPENAI": ("openai.com",), "ANTHROPIC": ("anthropic.com",),
                "SLACK": ("slack.com",), "STRIPE": ("stripe.com",), "HF": ("huggingface.co",),
                "HUGGINGFACE": ("huggingface.co",), "DOCKER": ("docker.io", "docker.com"), "AWS": ("amazonaws.com",),
                "GOOGLE": ("googleapis.com", "google.com"), "GCP": ("googleapis.com",), "AZURE": ("azure.com",
                "microsoft.com"), "CLOUDFLARE": ("cloudflare.com",), "SENTRY": ("sentry.io",), "PYPI": ("pypi.org",),
                "JIRA": ("atlassian.net",), "ATLASSIAN": ("atlassian.net", "atlassian.com"), "VERCEL": ("vercel.com",),
                "NETLIFY": ("netlify.com",), "HEROKU": ("heroku.com",), "DIGITALOCEAN": ("digitalocean.com",),
                "DO": ("digitalocean.com",), "LINEAR": ("linear.app",), "NOTION": ("notion.com", "notion.so"),
                "TWILIO": ("twilio.com",), "SENDGRID": ("sendgrid.com",), "DATADOG": ("datadoghq.com",)}  # fmt: skip


def _secret_headers(inv: Invocation, host: str | None, words: list[Word]) -> None:
    """A token sent to its own service is how APIs are used (CAUTION); a credential sent anywhere else, or to a
    host the check cannot tie to it, leaves with the request."""
    for w in words:
        for name in re.findall(r"\$\{?([A-Za-z_]\w*)", w.raw):
            if not SECRET_NAME.search(name):
                continue
            if host is not None and is_loopback(host):
                continue
            prefix = name.split("_", 1)[0].upper()
            allowed = _TOKEN_HOSTS.get(prefix, ())
            if host is not None and any(host == a or host.endswith("." + a) or a in host for a in allowed):
                continue
            inv.find(R, "curl.sends-secret", f"sends ${name} to {host or 'a host the check cannot know'}, which is "
                     "not the service it belongs to", [w])  # fmt: skip


@program("wget", "wget2")
def _wget(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "VhbO:a:o:dqvnF:i:B:t:c:NSTwQ:P:e:U:rlkKmpHD:A:R:I:X:x",
            (
                "version",
                "help",
                "background",
                "execute=",
                "output-file=",
                "append-output=",
                "debug",
                "quiet",
                "verbose",
                "no-verbose",
                "input-file=",
                "force-html",
                "base=",
                "config=",
                "no-config",
                "tries=",
                "retry-connrefused",
                "output-document=",
                "no-clobber",
                "continue",
                "progress=",
                "timestamping",
                "server-response",
                "spider",
                "timeout=",
                "wait=",
                "limit-rate=",
                "user=",
                "password=",
                "ask-password",
                "header=",
                "post-data=",
                "post-file=",
                "method=",
                "body-data=",
                "body-file=",
                "directory-prefix=",
                "recursive",
                "level=",
                "convert-links",
                "mirror",
                "page-requisites",
                "span-hosts",
                "domains=",
                "accept=",
                "reject=",
                "no-check-certificate",
                "user-agent=",
                "load-cookies=",
                "save-cookies=",
                "keep-session-cookies",
                "no-parent",
                "content-disposition",
                "https-only",
                "quota=",
                "max-redirect=",
                "delete-after",
                "no-host-directories",
                "cut-dirs=",
                "restrict-file-names=",
                "show-progress",
                "inet4-only",
                "inet6-only",
                "referer=",
                "no-directories",
                "force-directories",
                "adjust-extension",
                "xattr",
                "auth-no-challenge",
            ),
        ),
    )
    inv.narrow()
    urls = p.operands
    host = _host(urls[0]) if urls else None
    for f in p.values("--post-file", "--body-file"):
        inv.read(f, "wget.send-file")
        inv.send(host, "wget.send", f"sends the file {f.shown()}")
    literal_post = [
        v for v in p.values("--post-data", "--body-data") if v.known and "$" not in v.raw and "`" not in v.raw
    ]
    if literal_post and len(literal_post) == len(p.values("--post-data", "--body-data")) and not (
            host and _WEBHOOK.search(host)):  # fmt: skip
        inv.find(C, "wget.send-text", f"sends the text given on the line to {host or 'a server'}", literal_post)
    elif p.values("--post-data", "--body-data") or (
        (method := p.value("--method")) and method.value.upper() in ("POST", "PUT", "DELETE", "PATCH")
    ):
        inv.send(host, "wget.send", "sends data to a server")
    for f in p.values("-i", "--input-file"):
        if f.value != "-":
            inv.read(f, "wget.input")
    for e in p.values("-e", "--execute"):
        inv.find(C, "wget.execute", "runs a wgetrc command", [e])
    out = p.value("-O", "--output-document")
    for f in p.values("-o", "-a", "--output-file", "--append-output", "--save-cookies"):
        inv.write(f, "wget.log")
    if out is not None:
        if out.value == "-":
            inv.output = Output("network")
        else:
            inv.write(out, "wget.output")
            if urls:
                inv.downloaded(out)
            inv.output = Output("local")
    else:
        prefix_dir = p.value("-P", "--directory-prefix")
        for u in urls:
            name = _remote_name(u)
            if name is not None and (prefix_dir is None or prefix_dir.known):
                folder = prefix_dir.value.rstrip("/") + "/" if prefix_dir is not None else ""
                inv.downloaded(Word.literal(folder + name))
        prefix = p.value("-P", "--directory-prefix")
        inv.write(
            Word(prefix.raw, prefix.value.rstrip("/") + "/x")
            if prefix is not None and prefix.known
            else prefix
            if prefix is not None
            else Word.literal("./x"),
            "wget.output",
        )
        inv.output = Output("local")
    if urls:
        inv.receive(host, "wget.fetch")
        if host is not None and _METADATA.match(host):
            inv.find(
                R, "wget.metadata", "asks the cloud's instance metadata service, which hands out credentials", host
            )
    if p.has("-r", "--recursive", "-m", "--mirror") and p.has("-H", "--span-hosts"):
        inv.find(C, "wget.span", "follows links onto other hosts", p.option_words)


@program("scp", "sftp", "rsync", "rclone", "lftp", "ftp", "tftp", "smbclient")
def _copy_remote(inv: Invocation) -> None:
    args = inv.args
    values = [w.value for w in args]
    inv.narrow()
    name = inv.name
    if name == "rsync":
        for k, v in enumerate(values):
            if v in ("-e", "--rsh") and k + 1 < len(args):
                inv.run_script(args[k + 1].text, "rsync -e", "the remote shell command", words=[args[k + 1]])
            elif v.startswith(("--rsh=", "-e")) and len(v) > 2 and not v.startswith("--rsh=") and v[2:3] != "":
                inv.run_script(v[2:], "rsync -e", "the remote shell command", words=[args[k]])
            elif v.startswith("--rsh="):
                inv.run_script(v.split("=", 1)[1], "rsync -e", "the remote shell command", words=[args[k]])
            elif v.startswith("--rsync-path"):
                inv.find(R, "rsync.remote-program", "runs a program of its choosing on the remote side", [args[k]])
    if name in ("rclone",) and any(v in ("--dry-run", "-n") for v in values):
        inv.key(f"rclone {values[0]}" if values else "rclone")
        inv.receive(None, "rclone.dry-run", "only shows what it would copy or delete")
        return
    if name in ("rclone",):
        sub = values[0] if values else ""
        inv.key(f"rclone {sub}" if sub else "rclone")
        if sub == "config" and (values[1:2] in (["show"], ["dump"]) or len(values) == 1):
            inv.find(R, "rclone.config", "prints the remotes' tokens and keys", inv.argv)
            return
        if sub in (
            "ls",
            "lsd",
            "lsl",
            "lsf",
            "size",
            "about",
            "listremotes",
            "version",
            "check",
            "cat",
            "tree",
            "md5sum",
            "sha1sum",
            "config",
        ):
            inv.receive(None, "rclone.read", "reads from cloud storage")
            return
        if sub in ("delete", "purge", "deletefile", "rmdir", "rmdirs", "cleanup", "sync", "dedupe", "move"):
            inv.find(R, "rclone.delete", "deletes or overwrites files in cloud storage", args)
    if name in ("sftp", "ftp", "tftp", "lftp", "smbclient"):
        cmds = [w for k, w in enumerate(args) if k > 0 and values[k - 1] in ("-c", "-e", "-b") and w.value != "-"]
        src = inv.ctx.stdin
        script = [w.value for w in cmds] + ([src.text] if src is not None and src.kind == "text" and src.text else [])
        unseen = any(not w.known for w in cmds) or (src is not None and src.kind != "text" and "-" in values)
        put = any(re.search(r"\b(put|mput|send|mirror -R|reput|append|rm|rmdir|rename|chmod|chown|symlink|mkdir)\b", t)
                  for t in script)  # fmt: skip
        if not put and not unseen and script:
            inv.receive(None, f"{name}.download", "fetches files from a remote server into this machine")
            for t in script:
                for m in re.finditer(r"(?m)^\s*m?get\s+(?:-\w+\s+)*\S+\s+(\S+)", t):
                    inv.write(Word.literal(m.group(1)), f"{name}.download")
        elif put or unseen:
            inv.send(None, f"{name}.send", "sends files or commands to a remote server")
        else:
            inv.find(C if cmds else R, f"{name}.session", f"opens a {name} session with a remote server", args)
        return
    operands = [
        w
        for k, w in enumerate(args)
        if not w.value.startswith("-")
        and not (
            k > 0
            and values[k - 1]
            in (
                "-e",
                "-i",
                "-P",
                "-p",
                "-F",
                "-o",
                "-l",
                "-c",
                "-S",
                "-J",
                "--rsh",
                "-B",
                "--exclude",
                "--include",
                "--filter",
                "-f",
                "--files-from",
                "--port",
                "--password-file",
                "--log-file",
                "--config",
            )
        )
    ]
    if name == "rclone" and operands:
        operands = operands[1:]
    if len(operands) < 2:
        for o in operands:
            if _remote(o):
                inv.receive(o.value, f"{name}.list", "lists files on a remote machine")
            else:
                inv.list(o, f"{name}.list")
        return
    sources, dest = operands[:-1], operands[-1]
    delete = any(v.startswith("--delete") or v in ("--remove-source-files", "--force") for v in values)
    remote_dest = _remote(dest)
    for s in sources:
        if _remote(s):
            # the copy logs into the other machine and runs its side of the copy there
            inv.find(R, f"{name}.remote-login", f"logs into another machine to copy from it ({_remote_host(s)})", [s])
        else:
            inv.read(s, f"{name}.source")
            if remote_dest:
                inv.send(
                    _remote_host(dest), f"{name}.upload", f"copies local files to another machine ({dest.shown()})"
                )
        if "--remove-source-files" in values and not _remote(s):
            inv.delete(s, f"{name}.remove-source", recursive=True)
    if not remote_dest:
        inv.write(Word(dest.raw, dest.value.rstrip("/") + "/x") if dest.known else dest, f"{name}.target")
        if delete:
            inv.delete(dest, f"{name}.delete", recursive=True)
    elif delete:
        inv.find(R, f"{name}.delete-remote", "deletes files on the remote machine", [dest])


def _remote(w: Word) -> bool:
    v = w.value
    if re.match(r"^[a-z][a-z0-9+.-]*://", v, re.I):
        return not v.lower().startswith("file://")
    head = v.split("/", 1)[0]
    return ":" in head and not head.startswith(".") and len(head.split(":")[0]) > 1


def _remote_host(w: Word) -> str:
    v = re.sub(r"^[a-z][a-z0-9+.-]*://", "", w.value, flags=re.I)
    return v.split(":", 1)[0].split("/", 1)[0].rsplit("@", 1)[-1]


@program("nc", "ncat", "netcat", "nc.openbsd", "nc.traditional", "socat", "telnet", "openssl", "cryptcat", "pwncat")
def _netcat(inv: Invocation) -> None:
    args = inv.args
    values = [w.value for w in args]
    inv.narrow()
    if inv.name == "openssl":
        sub = values[0] if values else ""
        inv.key(f"openssl {sub}" if sub else "openssl")
        if sub in ("s_client", "s_server"):
            src = inv.ctx.stdin
            if sub == "s_server" or (src is not None and not (src.kind == "text" and not src.text)):
                inv.send(None, "openssl.send", "sends data over a TLS connection")
            else:
                inv.receive(None, "openssl.connect", "opens a TLS connection")
            return
        for k, v in enumerate(values):
            if v in ("-out",) and k + 1 < len(args):
                inv.write(args[k + 1], "openssl.output")
            if v in ("-in", "-inkey", "-key", "-passin") and k + 1 < len(args):
                inv.read(args[k + 1], "openssl.input")
        inv.find(A, "openssl.crypto", "computes or inspects cryptographic data", args[:1])
        return
    if inv.name == "socat":
        _socat(inv, args)
        return
    for k, v in enumerate(values):
        if v in ("-e", "-c", "--exec", "--sh-exec", "--lua-exec") and k + 1 < len(args):
            inv.find(R, "netcat.exec", "connects a program to the network (a remote or bind shell)", args[k : k + 2])
            inv.run_script(args[k + 1].text, f"{inv.name} -e", "the program it connects")
    listen = any(v.startswith("-") and "l" in v and not v.startswith("--") for v in values) or "--listen" in values
    receives_only = (
        bool(inv.command.redirects)
        and any(r.op in (">", ">>") and r.fd in (None, 1) and r.target is not None for r in inv.command.redirects)
        and inv.ctx.stdin is None
    )  # "nc host port > file": it takes data in and sends nothing of its own
    if listen and receives_only:
        inv.find(C, "netcat.receive", "listens and saves what arrives; runs nothing", args)
        inv.output = Output("network")
        return
    scan = any(v.startswith("-") and "z" in v and not v.startswith("--") for v in values)
    if listen:
        inv.find(R, "netcat.listen", "listens for connections from the network", args)
        inv.output = Output("network")
        return
    hosts = [
        w
        for k, w in enumerate(args)
        if not w.value.startswith("-")
        and not (
            k > 0
            and values[k - 1] in ("-p", "-s", "-w", "-i", "-q", "-X", "-x", "-e", "-c", "-O", "-T", "-V", "-W", "-I")
        )
    ]
    host = hosts[0].value if hosts else None
    if scan:
        if host is not None and is_loopback(host):
            inv.find(C, "netcat.probe", "checks whether ports are open on this machine", args)
        else:
            inv.find(C, "netcat.scan", "scans ports of another machine", args)
        return
    src = inv.ctx.stdin
    if src is None or (src.kind == "text" and not src.text):
        inv.receive(host, "netcat.connect", "connects to a server (nothing of this machine's is sent)")
    elif src.kind == "text":
        inv.send(host, "netcat.send", "sends text to a server")
    else:
        inv.send(host, "netcat.send", "sends local data to a server")
        _stdin_to_network(inv, host)
    inv.output = Output("network")


@program(
    "ping",
    "ping6",
    "fping",
    "arping",
    "traceroute",
    "traceroute6",
    "tracepath",
    "mtr",
    "dig",
    "nslookup",
    "host",
    "whois",
    "drill",
    "kdig",
    "delv",
    "tcptraceroute",
    "hping3",
    "nmap",
    "masscan",
    "arp-scan",
    "netdiscover",
    "iperf3",
    "iperf",
    "speedtest-cli",
    "httping",
    "ab",
    "wrk",
    "hey",
    "siege",
    "ldapsearch",
    "snmpwalk",
    "snmpget",
    "ntpdate",
    "sntp",
    "nmblookup",
    "smbstatus",
    "avahi-browse",
    "resolvectl-query",
)
def _probes(inv: Invocation) -> None:
    inv.narrow()
    args = inv.args
    targets = [w for w in args if not w.value.startswith(("-", "+", "@"))]
    host = targets[-1].value if targets else None
    name = inv.name
    if name in ("nmap", "masscan", "hping3", "arp-scan", "netdiscover"):
        inv.find(R, f"{name}.scan", "scans or floods other machines on the network", args)
        return
    if name in ("ab", "wrk", "hey", "siege", "iperf3", "iperf"):
        if (host is not None and is_loopback(host)) or any(w.value == "-s" for w in args):
            inv.find(C, f"{name}.load", "puts load on a local server", args)
        else:
            inv.find(R, f"{name}.load", "puts load on another machine", args)
        return
    if name == "ntpdate":
        inv.find(R, "ntpdate.set", "sets the system clock", args)
        return
    for k, w in enumerate(args[:-1]):
        if w.value in ("-f", "--file") and name in ("dig", "fping", "nmap", "kdig", "drill", "whois"):
            inv.read(args[k + 1], f"{name}.file")
            inv.send(None, f"{name}.leak", "puts the lines of a file into network queries")
    if any("$(" in w.raw or "`" in w.raw for w in args) and name in ("dig", "nslookup", "host", "ping", "drill",
                                                                      "kdig", "whois", "fping"):  # fmt: skip
        inv.find(R, f"{name}.leak", "puts the output of a command into a network query (data leaves this way)", args)
    if inv.ctx.extra_args and name in ("dig", "nslookup", "host", "ping", "whois", "drill", "kdig", "fping"):
        inv.find(R, f"{name}.leak", "puts what it reads on standard input into network queries (data leaves this way)",
                 inv.argv)  # fmt: skip
    for w in args:
        if w.value.startswith("$(") or ("$" in w.raw and not w.known and name in ("dig", "nslookup", "host", "ping")):
            inv.find(
                R, f"{name}.leak", "puts text built at run time into a network query (data can leave this way)", [w]
            )
    inv.receive(host, f"{name}.query", "queries the network")
    inv.output = Output("network")


@program("ssh-keygen", "ssh-add", "ssh-copy-id", "ssh-keyscan", "ssh-agent")
def _ssh_tools(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    name = inv.name
    if name == "ssh-copy-id":
        inv.send(None, "ssh-copy-id.install", "installs this machine's key on another machine")
        return
    if name == "ssh-keyscan":
        inv.receive(None, "ssh-keyscan.query", "asks servers for their host keys")
        return
    if name == "ssh-agent":
        inv.find(C, "ssh-agent.start", "starts a key agent", inv.argv)
        return
    if name == "ssh-add":
        if "-l" in values or "-L" in values:
            inv.find(A, "ssh-add.list", "lists loaded keys", inv.argv)
        else:
            inv.find(R, "ssh-add.load", "loads private keys into the agent", inv.argv)
        return
    # short options come combined ("-lf key.pub"): split them, the last one taking the value
    flags = {c for v in values if v.startswith("-") and not v.startswith("--") for c in v[1:]}
    files = [inv.args[k + 1] for k, v in enumerate(values[:-1]) if v.startswith("-") and v.endswith("f")]
    values = values + [f"-{c}" for c in flags]
    if "-y" in values:
        inv.find(A, "ssh-keygen.public", "prints the public half of a key", inv.argv)
        return
    if "-l" in values or "-F" in values or "-B" in values:
        for f in files:
            inv.list(f, "ssh-keygen.fingerprint")
        inv.find(A, "ssh-keygen.fingerprint", "prints a key's fingerprint", inv.argv)
        return
    if "-R" in values:
        inv.find(C, "ssh-keygen.known-hosts", "removes a host from known_hosts", inv.argv)
        return
    for f in files:
        t = inv.target(f)
        if t.zone in (Zone.WORKSPACE, Zone.TMP):
            inv.create(f, "ssh-keygen.create")
        else:
            inv.find(R, "ssh-keygen.create", f"creates or overwrites a key in {t.zone.value}: {t.shown}", [f])
    if not files:
        inv.find(R, "ssh-keygen.create", "creates a key pair in ~/.ssh (it may overwrite one)", inv.argv)


@program("gh", "glab", "hub")
def _gh(inv: Invocation) -> None:
    values = [w.value for w in inv.args]
    sub = " ".join(values[:2]) if len(values) >= 2 else (values[0] if values else "")
    inv.key(f"{inv.name} {values[0]}" if values else inv.name)
    inv.narrow()
    if any(v in ("-h", "--help") for v in values) or any(v in ("view", "list", "status", "--list", "diff", "checks")
                                                             for v in values[1:3]):  # fmt: skip
        inv.receive(None, f"{inv.name}.read", "reads from the code host")
        return
    reading = (
        "pr list",
        "pr view",
        "pr diff",
        "pr status",
        "pr checks",
        "issue list",
        "issue view",
        "issue status",
        "repo view",
        "run list",
        "run view",
        "release list",
        "release view",
        "workflow list",
        "workflow view",
        "search repos",
        "search issues",
        "search prs",
        "search code",
        "status",
        "gist list",
        "gist view",
        "label list",
        "cache list",
        "browse --no-browser",
        "api repos",
        "auth status",
        "ruleset list",
    )
    if any(sub.startswith(r) for r in reading) or not values or values[0] in ("--version", "--help", "version"):
        if sub.startswith("api") and any(
            v in ("-X", "--method", "-f", "-F", "--field", "--raw-field", "--input") for v in values
        ):
            inv.find(R, f"{inv.name}.api-write", "calls the API with a method or fields that change things", inv.argv)
            return
        inv.receive(None, f"{inv.name}.read", "reads from the code host")
        return
    if sub.startswith(("secret list", "variable list")):
        inv.receive(None, f"{inv.name}.secret-names", "lists secret names (never their values)")
        return
    if sub.startswith(("auth token", "auth status --show-token", "secret", "auth login", "auth refresh")):
        inv.find(R, f"{inv.name}.credentials", "reads or changes credentials", inv.argv)
        return
    if sub.startswith(("repo delete", "release delete", "repo archive", "repo edit --visibility")):
        inv.find(R, f"{inv.name}.destroy", "deletes or exposes a repository or release", inv.argv)
        return
    if sub.startswith(("repo clone", "pr checkout", "run download", "release download", "gist clone")):
        inv.receive(None, f"{inv.name}.download", "downloads from the code host")
        return
    inv.find(
        R, f"{inv.name}.publish", "changes or publishes on the code host (issues, pull requests, releases)", inv.argv
    )


@program("aria2c")
def _aria2c(inv: Invocation) -> None:
    inv.narrow()
    urls = [w for w in inv.args if not w.value.startswith("-")]
    for w in inv.args:
        name, eq, value = w.value.partition("=")
        if name.startswith("--on-") and eq:
            # a hook aria2 runs with the downloaded file: a program, judged where it is
            run_file(inv, Word(w.raw, value), "a hook program")
        elif name in ("-d", "--dir") and eq:
            inv.write(Word(w.raw, value.rstrip("/") + "/x"), "aria2c.output")
        elif name in ("-i", "--input-file") and eq:
            inv.read(Word(w.raw, value), "aria2c.input")
    inv.write(Word.literal("./x"), "aria2c.output")
    for u in urls:
        inv.receive(_host(u), "aria2c.fetch", "downloads")


def _socat(inv: Invocation, args: list[Word]) -> None:
    """socat joins two addresses: a file, a program, standard input and output, a socket. What it does is the
    pair: a file to standard output reads it; a program joined to a listening socket is a remote shell."""
    addresses = [w for w in args if not w.value.startswith("-") or w.value == "-"]
    one_way = any(w.value == "-u" for w in args)
    kinds = []
    for k, w in enumerate(addresses[:2]):
        v = w.value
        head, _, rest = v.partition(":")
        key = head.upper()
        target = rest.split(",", 1)[0]
        if key in ("EXEC", "SYSTEM"):
            kinds.append("program")
            inv.run_script(target if w.known else None, "socat EXEC", "the program socat runs", words=[w])
        elif key in ("FILE", "OPEN", "GOPEN", "CREATE", "CREAT"):
            kinds.append("file")
            writing = key == "CREATE" or (one_way and k == 1) or "creat" in rest or "append" in rest
            (inv.write if writing else inv.read)(Word.literal(target), "socat.file")
        elif key.endswith("-LISTEN") or key.startswith(("TCP-LISTEN", "UDP-LISTEN", "TCP4-LISTEN", "TCP6-LISTEN")):
            kinds.append("listen")
        elif key in ("TCP", "TCP4", "TCP6", "UDP", "UDP4", "UDP6", "OPENSSL", "SCTP", "SOCKS4", "PROXY"):
            kinds.append("connect")
            inv.receive(target, "socat.connect", "opens a network connection")
        else:
            kinds.append("stdio")
    if "listen" in kinds:
        inv.find(R, "socat.listen", "listens for connections from the network", args)
    if "program" in kinds and ("listen" in kinds or "connect" in kinds):
        inv.find(R, "socat.exec", "joins a program to a network socket (a remote shell)", args)
    if ("connect" in kinds and ("file" in kinds or "stdio" in kinds) and not one_way) or (
        one_way and kinds[:1] in (["file"], ["stdio"]) and kinds[1:2] == ["connect"]):  # fmt: skip
        inv.send(None, "socat.send", "sends local data to the network")
    inv.find(A, "socat.join", "joins two data streams", inv.argv[:1])
