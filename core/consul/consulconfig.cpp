#include "core/consul/consulconfig.h"

#include <QFile>

namespace Baton {

Result<QUrl> ConsulConfig::parseAddress(const QString &text, bool https)
{
    const QString t = text.trimmed();
    if (t.isEmpty())
        return fail(Error::Kind::InvalidInput, QStringLiteral("empty Consul address"));
    if (t.startsWith(u"unix://"))
        return fail(Error::Kind::InvalidInput, QStringLiteral("Consul over a unix socket is not supported: %1").arg(t));
    QString withScheme = t;
    if (!t.contains(u"://"))
        withScheme = (https ? QStringLiteral("https://") : QStringLiteral("http://")) + t;
    const QUrl url(withScheme, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return fail(Error::Kind::InvalidInput, QStringLiteral("not a Consul address: \"%1\"").arg(t.left(200)));
    if (url.scheme() != u"http" && url.scheme() != u"https")
        return fail(
            Error::Kind::InvalidInput, QStringLiteral("Consul address must be http or https: \"%1\"").arg(t.left(200)));
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment())
        return fail(Error::Kind::InvalidInput,
            QStringLiteral("Consul address must not carry credentials, a query or a fragment"));
    return url;
}

Result<ConsulConfig> ConsulConfig::fromEnvironment(const QProcessEnvironment &env)
{
    ConsulConfig c;
    const QString ssl = env.value(QStringLiteral("CONSUL_HTTP_SSL")).trimmed().toLower();
    const bool https = ssl == u"1" || ssl == u"true" || ssl == u"t" || ssl == u"yes";
    const QString addr = env.value(QStringLiteral("CONSUL_HTTP_ADDR"));
    if (!addr.trimmed().isEmpty()) {
        BATON_TRY(url, parseAddress(addr, https));
        c.address = url;
    } else if (https) {
        c.address = QUrl(QStringLiteral("https://127.0.0.1:8501"));
    }
    c.token = env.value(QStringLiteral("CONSUL_HTTP_TOKEN")).trimmed();
    const QString tokenFile = env.value(QStringLiteral("CONSUL_HTTP_TOKEN_FILE"));
    if (c.token.isEmpty() && !tokenFile.isEmpty()) {
        QFile f(tokenFile);
        if (!f.open(QIODevice::ReadOnly))
            return fail(Error::Kind::Io,
                QStringLiteral("cannot read CONSUL_HTTP_TOKEN_FILE %1: %2").arg(tokenFile, f.errorString()));
        const QByteArray bytes = f.read(64 * 1024);
        c.token = QString::fromUtf8(bytes).trimmed();
    }
    c.caFile = env.value(QStringLiteral("CONSUL_CACERT"));
    if (auto valid = c.validate(); !valid)
        return fail(valid.error());
    return c;
}

Result<void> ConsulConfig::validate() const
{
    if (!address.isValid() || address.host().isEmpty() || (address.scheme() != u"http" && address.scheme() != u"https"))
        return fail(Error::Kind::InvalidInput,
            QStringLiteral("Consul address must be an http or https URL: \"%1\"")
                .arg(address.toString(QUrl::RemoveUserInfo).left(200)));
    for (const QChar c : token) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e)
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("the Consul token holds a character that cannot go in a header"));
    }
    if (requestTimeoutMs <= 0 || blockingGraceMs < 0 || maxBodyBytes <= 0)
        return fail(Error::Kind::InvalidInput, QStringLiteral("Consul timeouts and body limit must be positive"));
    return {};
}

QString ConsulConfig::describe() const
{
    QString s = address.toString(QUrl::RemoveUserInfo);
    if (!datacenter.isEmpty())
        s += QStringLiteral(" dc=") + datacenter;
    s += token.isEmpty() ? QStringLiteral(" token=none") : QStringLiteral(" token=set");
    if (!caFile.isEmpty())
        s += QStringLiteral(" ca=") + caFile;
    return s;
}

} // namespace Baton
