#include "service/http/httpresponse.h"

#include "core/base/jsonfields.h"

namespace Baton {

HttpResponse HttpResponse::json(int status, const nlohmann::json &body)
{
    HttpResponse r;
    r.status = status;
    // replace: a stray invalid UTF-8 byte (from a log line, say) must not turn a response into an exception.
    const std::string s = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    r.body = QByteArray(s.data(), qsizetype(s.size()));
    r.body.append('\n');
    return r;
}

HttpResponse HttpResponse::error(int status, const QString &code, const QString &message)
{
    return json(status, { { "error", JsonFields::toStd(code) }, { "message", JsonFields::toStd(message) } });
}

int HttpResponse::statusFor(const Error &e)
{
    switch (e.kind) {
    case Error::Kind::Decode:
        return 400;
    case Error::Kind::InvalidInput:
        return 422;
    case Error::Kind::TooLarge:
        return 413;
    case Error::Kind::NotFound:
        return 404;
    case Error::Kind::Conflict:
        return 409;
    case Error::Kind::Unauthorized:
        return 401;
    case Error::Kind::Forbidden:
        return 403;
    case Error::Kind::Network:
    case Error::Kind::Http:
        return 502;
    case Error::Kind::Timeout:
        return 504;
    case Error::Kind::Cancelled:
        return 503;
    case Error::Kind::Io:
    case Error::Kind::Internal:
        return 500;
    }
    return 500;
}

HttpResponse HttpResponse::fromError(const Error &e)
{
    const int status = statusFor(e);
    return error(status, errorCodeFor(status), e.message);
}

HttpResponse HttpResponse::text(int status, QByteArray body, QByteArray contentType)
{
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.contentType = std::move(contentType);
    return r;
}

void HttpResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    for (auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
            h.second = value;
            return;
        }
    }
    headers.append({ name, value });
}

QString HttpResponse::errorCodeFor(int status)
{
    switch (status) {
    case 400:
        return QStringLiteral("bad_request");
    case 401:
        return QStringLiteral("unauthorized");
    case 403:
        return QStringLiteral("forbidden");
    case 404:
        return QStringLiteral("not_found");
    case 405:
        return QStringLiteral("method_not_allowed");
    case 408:
        return QStringLiteral("request_timeout");
    case 409:
        return QStringLiteral("conflict");
    case 411:
        return QStringLiteral("length_required");
    case 413:
        return QStringLiteral("payload_too_large");
    case 414:
        return QStringLiteral("uri_too_long");
    case 415:
        return QStringLiteral("unsupported_media_type");
    case 417:
        return QStringLiteral("expectation_failed");
    case 422:
        return QStringLiteral("invalid_request");
    case 429:
        return QStringLiteral("too_many_requests");
    case 431:
        return QStringLiteral("header_fields_too_large");
    case 501:
        return QStringLiteral("not_implemented");
    case 502:
        return QStringLiteral("upstream_error");
    case 503:
        return QStringLiteral("unavailable");
    case 504:
        return QStringLiteral("upstream_timeout");
    case 505:
        return QStringLiteral("http_version_not_supported");
    default:
        return status >= 500 ? QStringLiteral("internal") : QStringLiteral("error");
    }
}

} // namespace Baton
