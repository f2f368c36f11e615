#include "core/base/error.h"

namespace Baton {

Error Error::make(Kind kind, QString message, int httpStatus)
{
    return Error { kind, httpStatus, std::move(message) };
}

Error Error::fromHttpStatus(int status, QString message)
{
    Kind kind = Kind::Http;
    switch (status) {
    case 401:
        kind = Kind::Unauthorized;
        break;
    case 403:
        kind = Kind::Forbidden;
        break;
    case 404:
        kind = Kind::NotFound;
        break;
    case 409:
        kind = Kind::Conflict;
        break;
    case 413:
        kind = Kind::TooLarge;
        break;
    default:
        break;
    }
    return Error { kind, status, std::move(message) };
}

QString Error::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Network:
        return QStringLiteral("network");
    case Kind::Timeout:
        return QStringLiteral("timeout");
    case Kind::Http:
        return QStringLiteral("http");
    case Kind::Decode:
        return QStringLiteral("decode");
    case Kind::TooLarge:
        return QStringLiteral("too large");
    case Kind::InvalidInput:
        return QStringLiteral("invalid input");
    case Kind::NotFound:
        return QStringLiteral("not found");
    case Kind::Conflict:
        return QStringLiteral("conflict");
    case Kind::Unauthorized:
        return QStringLiteral("unauthorized");
    case Kind::Forbidden:
        return QStringLiteral("forbidden");
    case Kind::Io:
        return QStringLiteral("io");
    case Kind::Cancelled:
        return QStringLiteral("cancelled");
    case Kind::Internal:
        return QStringLiteral("internal");
    }
    return QStringLiteral("unknown");
}

QString Error::toString() const
{
    if (httpStatus > 0)
        return QStringLiteral("HTTP %1: %2").arg(httpStatus).arg(message);
    return QStringLiteral("%1: %2").arg(kindName(kind), message);
}

} // namespace Baton
