#include "core/base/redaction.h"

#include <QUrl>
#include <QUrlQuery>

namespace Baton::Redaction {

namespace {
const QString kRedacted = QStringLiteral("<redacted>");
}

bool isSecretHeader(QByteArrayView name)
{
    static const QByteArrayView secret[]
        = { "authorization", "x-consul-token", "proxy-authorization", "cookie", "set-cookie" };
    const QByteArray lower = name.toByteArray().toLower();
    for (const QByteArrayView s : secret) {
        if (lower == s)
            return true;
    }
    return false;
}

QString redactHeader(QByteArrayView name, QByteArrayView value)
{
    if (isSecretHeader(name))
        return kRedacted;
    return QString::fromUtf8(value);
}

QString redactUrl(const QString &url)
{
    QUrl u(url);
    if (!u.isValid())
        return url;
    if (!u.password().isEmpty())
        u.setPassword(kRedacted);
    QUrlQuery q(u);
    bool changed = false;
    for (const QString &key : { QStringLiteral("token"), QStringLiteral("access_token") }) {
        if (q.hasQueryItem(key)) {
            q.removeAllQueryItems(key);
            q.addQueryItem(key, kRedacted);
            changed = true;
        }
    }
    if (changed)
        u.setQuery(q);
    return u.toString();
}

} // namespace Baton::Redaction
