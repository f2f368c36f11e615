#include "tools/consul-sim/httpmessage.h"

#include "core/base/httpsyntax.h"

#include <algorithm>

#include <QDateTime>
#include <QLocale>

namespace Baton::ConsulSim {

namespace {

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && qstrnicmp(a.data(), b.data(), size_t(a.size())) == 0;
}

std::string queryEscape(std::string_view s)
{
    static const char *const kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
            || c == '.' || c == '~') {
            out += char(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

} // namespace

std::string percentDecode(std::string_view in, bool plusAsSpace, bool *ok)
{
    std::string out;
    out.reserve(in.size());
    *ok = true;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) {
                *ok = false;
                return {};
            }
            const int hi = HttpSyntax::hexDigitValue(in[i + 1]);
            const int lo = HttpSyntax::hexDigitValue(in[i + 2]);
            if (hi < 0 || lo < 0) {
                *ok = false;
                return {};
            }
            out += char(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plusAsSpace) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

QueryParams QueryParams::parse(const QByteArray &raw)
{
    QueryParams params;
    const std::string_view all(raw.constData(), std::size_t(raw.size()));
    std::size_t pos = 0;
    while (pos <= all.size()) {
        const std::size_t amp = all.find('&', pos);
        const std::string_view pair
            = all.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
        pos = amp == std::string_view::npos ? all.size() + 1 : amp + 1;
        if (pair.empty())
            continue;
        // Go 1.17+ rejects pairs with a semicolon instead of splitting on it.
        if (pair.find(';') != std::string_view::npos)
            continue;
        const std::size_t eq = pair.find('=');
        bool okKey = true;
        bool okValue = true;
        QueryItem item;
        item.key = percentDecode(pair.substr(0, eq), true, &okKey);
        if (eq != std::string_view::npos)
            item.value = percentDecode(pair.substr(eq + 1), true, &okValue);
        if (!okKey || !okValue)
            continue;
        params.m_items.push_back(std::move(item));
    }
    return params;
}

bool QueryParams::has(std::string_view key) const
{
    return std::any_of(m_items.begin(), m_items.end(), [&](const QueryItem &i) { return i.key == key; });
}

std::string QueryParams::get(std::string_view key) const
{
    for (const QueryItem &i : m_items) {
        if (i.key == key)
            return i.value;
    }
    return {};
}

std::vector<std::string> QueryParams::all(std::string_view key) const
{
    std::vector<std::string> out;
    for (const QueryItem &i : m_items) {
        if (i.key == key)
            out.push_back(i.value);
    }
    return out;
}

std::string QueryParams::encode() const
{
    std::vector<std::string> keys;
    for (const QueryItem &i : m_items) {
        if (std::find(keys.begin(), keys.end(), i.key) == keys.end())
            keys.push_back(i.key);
    }
    std::sort(keys.begin(), keys.end());
    std::string out;
    for (const std::string &k : keys) {
        for (const QueryItem &i : m_items) {
            if (i.key != k)
                continue;
            if (!out.empty())
                out += '&';
            out += queryEscape(k) + "=" + queryEscape(i.value);
        }
    }
    return out;
}

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &[k, v] : headers) {
        if (equalsIgnoreCase(k, name))
            return v;
    }
    return {};
}

bool HttpRequest::hasHeader(QByteArrayView name) const
{
    return std::any_of(headers.begin(), headers.end(), [&](const auto &h) { return equalsIgnoreCase(h.first, name); });
}

void HttpResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    for (auto &[k, v] : headers) {
        if (equalsIgnoreCase(k, name)) {
            v = value;
            return;
        }
    }
    headers.emplace_back(name, value);
}

bool HttpResponse::hasHeader(QByteArrayView name) const
{
    return std::any_of(headers.begin(), headers.end(), [&](const auto &h) { return equalsIgnoreCase(h.first, name); });
}

HttpResponse HttpResponse::json(const QByteArray &body, int status)
{
    HttpResponse r;
    r.status = status;
    r.body = body;
    r.setHeader("Content-Type", "application/json");
    return r;
}

HttpResponse HttpResponse::text(int status, const QByteArray &body)
{
    HttpResponse r;
    r.status = status;
    r.body = body;
    if (!body.isEmpty())
        r.setHeader("Content-Type", "text/plain; charset=utf-8");
    return r;
}

HttpResponse HttpResponse::goError(int status, const QByteArray &message)
{
    HttpResponse r;
    r.status = status;
    r.body = message + '\n';
    r.setHeader("Content-Type", "text/plain; charset=utf-8");
    r.setHeader("X-Content-Type-Options", "nosniff");
    return r;
}

QByteArray statusText(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Request Entity Too Large";
    case 414:
        return "Request URI Too Long";
    case 417:
        return "Expectation Failed";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Status " + QByteArray::number(status);
    }
}

QByteArray serializeResponse(const HttpResponse &response, bool headRequest)
{
    QByteArray out;
    out.reserve(256 + response.body.size());
    out += "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + statusText(response.status) + "\r\n";
    auto headers = response.headers;
    std::stable_sort(headers.begin(), headers.end(),
        [](const auto &a, const auto &b) { return qstricmp(a.first.constData(), b.first.constData()) < 0; });
    for (const auto &[k, v] : headers)
        out += k + ": " + v + "\r\n";
    if (response.closeAfter)
        out += "Connection: close\r\n";
    // Go's http.TimeFormat, always in English and GMT.
    out += "Date: "
        + QLocale::c().toString(QDateTime::currentDateTimeUtc(), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss")).toLatin1()
        + " GMT\r\n";
    const bool bodyAllowed = !(response.status == 204 || response.status == 304 || response.status < 200);
    if (bodyAllowed)
        out += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n";
    out += "\r\n";
    if (bodyAllowed && !headRequest && !response.noBody)
        out += response.body;
    return out;
}

} // namespace Baton::ConsulSim
