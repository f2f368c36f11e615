#include "core/net/tlsconfig.h"

#include <QFile>
#include <QSslCertificate>

namespace Baton::TlsConfig {

Result<QSslConfiguration> withCaFile(const QString &caFile)
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    if (caFile.isEmpty())
        return config;
    QFile f(caFile);
    if (!f.open(QIODevice::ReadOnly))
        return fail(Error::Kind::Io, QStringLiteral("cannot read CA file %1: %2").arg(caFile, f.errorString()));
    if (f.size() > 4 * 1024 * 1024)
        return fail(Error::Kind::TooLarge, QStringLiteral("CA file %1 is larger than 4 MiB").arg(caFile));
    const QList<QSslCertificate> certs = QSslCertificate::fromData(f.readAll(), QSsl::Pem);
    if (certs.isEmpty())
        return fail(Error::Kind::InvalidInput, QStringLiteral("CA file %1 holds no PEM certificate").arg(caFile));
    config.setCaCertificates(certs);
    return config;
}

} // namespace Baton::TlsConfig
