#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <QByteArray>

namespace Baton::ConsulSim {

// One query parameter as Go's url.ParseQuery produces it: key and value percent-decoded ('+' is a space).
struct QueryItem
{
    std::string key;
    std::string value;
};

class QueryParams
{
public:
    // Parses a raw query string the way Go's url.ParseQuery does; pairs with a bad escape are dropped, as Go does.
    static QueryParams parse(const QByteArray &raw);

    bool has(std::string_view key) const;
    // The first value, or "" (Go's Values.Get).
    std::string get(std::string_view key) const;
    std::vector<std::string> all(std::string_view key) const;
    // Go's Values.Encode(): keys sorted, each value escaped with QueryEscape.
    std::string encode() const;
    const std::vector<QueryItem> &items() const { return m_items; }

private:
    std::vector<QueryItem> m_items;
};

struct HttpRequest
{
    QByteArray method;
    QByteArray target; // as sent: path plus optional ?query
    QByteArray rawPath; // before the '?', still percent-encoded
    std::string path; // percent-decoded (Go's URL.Path)
    QByteArray rawQuery;
    QueryParams query;
    std::vector<std::pair<QByteArray, QByteArray>> headers; // names as sent
    QByteArray body;
    std::optional<std::uint64_t> contentLength; // as declared; absent for chunked or no body
    bool http10 = false;
    bool keepAlive = true;
    QByteArray peerAddress;

    // Case-insensitive; the first value, or empty.
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
};

struct HttpResponse
{
    int status = 200;
    std::vector<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool closeAfter = false;
    bool noBody = false; // HEAD-like: headers only (used for 100-continue style interim answers)

    void setHeader(const QByteArray &name, const QByteArray &value);
    bool hasHeader(QByteArrayView name) const;

    static HttpResponse json(const QByteArray &body, int status = 200);
    // Go's behaviour for a handler that writes plain text: text/plain; charset=utf-8, no trailing newline added.
    static HttpResponse text(int status, const QByteArray &body);
    // Go's http.Error(): adds X-Content-Type-Options: nosniff and a trailing newline.
    static HttpResponse goError(int status, const QByteArray &message);
};

// "200 OK", "405 Method Not Allowed", … as Go's net/http spells them.
QByteArray statusText(int status);

// Serializes a response with the headers Go's net/http adds (Date, Content-Length) in Go's order.
QByteArray serializeResponse(const HttpResponse &response, bool headRequest);

std::string percentDecode(std::string_view in, bool plusAsSpace, bool *ok);

} // namespace Baton::ConsulSim
