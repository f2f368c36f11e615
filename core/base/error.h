#pragma once

#include <QMetaType>
#include <QString>

namespace Baton {

// An error as a value. Every fallible call in Baton returns Result<T> (see result.h) carrying one of these,
// so callers decide what to show instead of catching exceptions.
struct Error
{
    enum class Kind
    {
        Network, // connection refused, reset, DNS, TLS handshake
        Timeout, // no answer within the allowed time
        Http, // the server answered with a status we do not accept; httpStatus and message say which
        Decode, // the body was malformed, truncated, too deep or of the wrong shape
        TooLarge, // a body or value exceeded a configured limit
        InvalidInput, // the caller passed something that cannot be valid
        NotFound,
        Conflict, // a CAS or idempotency conflict: someone else changed it first
        Unauthorized, // 401: no or unknown credentials
        Forbidden, // 403: credentials lack the right
        Io, // file system
        Cancelled, // the caller aborted
        Internal,
    };

    Kind kind = Kind::Internal;
    int httpStatus = 0;
    QString message;

    static Error make(Kind kind, QString message, int httpStatus = 0);
    static Error fromHttpStatus(int status, QString message);

    // One line for a status bar or a log: "HTTP 403: Permission denied: …" or "decode: …".
    QString toString() const;
    static QString kindName(Kind kind);

    bool operator==(const Error &) const = default;
};

} // namespace Baton

Q_DECLARE_METATYPE(Baton::Error)
