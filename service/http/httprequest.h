#pragma once

#include <utility>

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrlQuery>

namespace Baton {

// One parsed HTTP/1.x request. Header names are lower-cased; the path is split into percent-decoded segments
// so an encoded "/" inside a segment can never be mistaken for a separator.
struct HttpRequest
{
    QByteArray method;
    QByteArray target; // the raw request-target
    QString path; // decoded, for logs
    QStringList segments; // decoded path segments, without the leading empty one
    QUrlQuery query;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QHostAddress peer;
    bool http10 = false;
    bool tls = false;
    QHash<QString, QString> params; // route parameters, set by the router
    QString route; // the matched route pattern, for metrics ("/v1/jobs/{id}")
    QElapsedTimer received;

    QByteArray header(QByteArrayView name) const; // first value, or empty
    bool hasHeader(QByteArrayView name) const;
    QString queryValue(const QString &key) const; // fully decoded
    QString param(const QString &key) const { return params.value(key); }

    // Sets target, path, segments and query from a raw origin-form request-target ("/v1/jobs/7?x=1").
    // Returns an empty string, or why the target is refused (400): not an absolute path, a fragment, a
    // malformed or NUL percent-escape, a control character.
    QString setTarget(const QByteArray &rawTarget);
};

// RFC 9110 token characters (method and header names).
bool isHttpToken(QByteArrayView s);

} // namespace Baton
