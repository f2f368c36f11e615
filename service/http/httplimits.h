#pragma once

#include <QtGlobal>

namespace Baton {

// What one client may make the server hold. Checked before anything is buffered beyond the connection's fixed
// memory pool: an oversized Content-Length gets 413 before a byte of the body is read, a chunked body is
// counted as it arrives, and the request head can never outgrow connectionMemoryBytes. docs/service.md lists
// which of these libmicrohttpd enforces itself and which the server checks on top.
struct HttpLimits
{
    int maxRequestLineBytes = 8 * 1024; // request target longer than this: 414
    int maxHeaderBytes = 32 * 1024; // all header names and values together: 431 beyond
    int maxHeaderCount = 64; // 431 beyond
    qint64 maxBodyBytes = 1024 * 1024; // 413 beyond
    // libmicrohttpd's per-connection pool (MHD_OPTION_CONNECTION_MEMORY_LIMIT): it holds the request line, the
    // header block, the read buffer and the response head. A head that does not fit is answered by the
    // library itself (414/431). Sized so that every head within the limits above fits, with room to spare.
    int connectionMemoryBytes = 64 * 1024;
    int headerTimeoutMs = 20000; // from the request line to the end of the head
    int bodyTimeoutMs = 60000; // from the end of the head to the last body byte
    // A connection must start a request (deliver its request line) within this long of being opened or of
    // its previous answer; it is also libmicrohttpd's inactivity timeout for a client that stops reading.
    int idleTimeoutMs = 75000;
    int maxConnections = 4096; // beyond this a new connection's requests get 503 and it is closed
    int listenBacklog = 1024;
};

} // namespace Baton
