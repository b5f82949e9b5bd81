-- 4 KiB POST body. benchmark/lib/check.js sends the same bytes (keep them in sync).
wrk.method = "POST"
wrk.body = string.rep("0123456789abcdef", 256)
wrk.headers["Content-Type"] = "application/octet-stream"
