#include "service/http/httprequest.h"

#include "core/base/httpsyntax.h"

#include <QUrl>

namespace Baton {

namespace {

// Decodes one path segment strictly: a malformed escape or an encoded NUL makes the request invalid. Segments
// are decoded one by one, so an encoded "/" can never be mistaken for a separator.
bool decodeSegment(QByteArrayView raw, QString *out)
{
    QByteArray bytes;
    bytes.reserve(raw.size());
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size())
                return false;
            const int hi = HttpSyntax::hexDigitValue(raw[i + 1]);
            const int lo = HttpSyntax::hexDigitValue(raw[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return false;
            bytes.append(char(hi * 16 + lo));
            i += 2;
        } else if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return false;
        } else {
            bytes.append(c);
        }
    }
    *out = QString::fromUtf8(bytes);
    return true;
}

QString decodeQueryPart(QByteArray s, bool *ok)
{
    s.replace('+', ' ');
    const QByteArray d = QByteArray::fromPercentEncoding(s);
    *ok = !d.contains('\0');
    return QString::fromUtf8(d);
}

} // namespace

bool isHttpToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!HttpSyntax::isTokenChar(c))
            return false;
    }
    return true;
}

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key == name)
            return value;
    }
    return {};
}

bool HttpRequest::hasHeader(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (h.first == name)
            return true;
    }
    return false;
}

QString HttpRequest::queryValue(const QString &key) const
{
    return query.queryItemValue(key, QUrl::FullyDecoded);
}

QString HttpRequest::setTarget(const QByteArray &rawTarget)
{
    target = rawTarget;
    if (!target.startsWith('/'))
        return QStringLiteral("the request target must be an absolute path");
    const qsizetype q = target.indexOf('?');
    const QByteArray rawPath = q >= 0 ? target.left(q) : target;
    const QByteArray rawQuery = q >= 0 ? target.mid(q + 1) : QByteArray();
    if (rawQuery.contains('#') || rawPath.contains('#'))
        return QStringLiteral("the request target must not carry a fragment");
    QStringList decoded;
    for (const QByteArray &raw : rawPath.mid(1).split('/')) {
        QString segment;
        if (!decodeSegment(raw, &segment))
            return QStringLiteral("malformed percent-encoding in the path");
        decoded.append(segment);
    }
    // "/v1/jobs/" and "/v1/jobs" name the same resource.
    if (decoded.size() > 1 && decoded.last().isEmpty())
        decoded.removeLast();
    segments = decoded;
    path = u'/' + decoded.join(u'/');
    query.clear();
    for (const QByteArray &item : rawQuery.split('&')) {
        if (item.isEmpty())
            continue;
        for (char c : item) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ')
                return QStringLiteral("malformed query string");
        }
        const qsizetype eq = item.indexOf('=');
        bool okK = false;
        bool okV = false;
        const QString key = decodeQueryPart(eq >= 0 ? item.left(eq) : item, &okK);
        const QString value = decodeQueryPart(eq >= 0 ? item.mid(eq + 1) : QByteArray(), &okV);
        if (!okK || !okV)
            return QStringLiteral("malformed query string");
        query.addQueryItem(
            QString::fromLatin1(QUrl::toPercentEncoding(key)), QString::fromLatin1(QUrl::toPercentEncoding(value)));
    }
    return {};
}

} // namespace Baton
