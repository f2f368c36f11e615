#pragma once

#include "core/base/result.h"

#include <QSslConfiguration>
#include <QString>

namespace Baton::TlsConfig {

// A TLS configuration that trusts only the CA certificates in `caFile` (PEM), as operators of a private CA
// expect; an empty path keeps the system trust store. Never ignores certificate errors.
Result<QSslConfiguration> withCaFile(const QString &caFile);

} // namespace Baton::TlsConfig
