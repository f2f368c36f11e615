#pragma once

#include <QByteArray>
#include <QString>

namespace Baton::Redaction {

// The one place secrets are masked before anything reaches a log. Header values for Authorization,
// X-Consul-Token and similar, and token=… query items, are replaced by "<redacted>".
bool isSecretHeader(QByteArrayView name);
QString redactHeader(QByteArrayView name, QByteArrayView value);
QString redactUrl(const QString &url);

} // namespace Baton::Redaction
