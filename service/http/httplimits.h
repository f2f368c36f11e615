#pragma once

#include <QtGlobal>

namespace Baton {

// What one client may make the server hold. Checked while bytes arrive, so a hostile request is refused
// before it is buffered: an oversized Content-Length gets 413 before a byte of the body is read.
struct HttpLimits
{
    int maxRequestLineBytes = 8 * 1024; // 414 beyond
    int maxHeaderBytes = 32 * 1024; // all header lines together; 431 beyond
    int maxHeaderCount = 64; // 431 beyond
    qint64 maxBodyBytes = 1024 * 1024; // 413 beyond
    int headerTimeoutMs = 20000; // from a request's first byte to its blank line; 408 beyond
    int bodyTimeoutMs = 60000; // from the blank line to the last body byte
    int idleTimeoutMs = 75000; // a keep-alive connection with nothing in flight is closed after this
    int maxConnections = 4096; // beyond this a new connection gets 503 and is closed
    qint64 readBufferBytes = 256 * 1024; // the socket's own buffer; TCP flow control does the rest
};

} // namespace Baton
