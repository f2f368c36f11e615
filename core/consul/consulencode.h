#pragma once

#include "core/consul/consultypes.h"

#include <QByteArray>

// Request bodies Baton sends to Consul.
namespace Baton::ConsulEncode {

// PUT /v1/session/create. Durations are sent as Go duration text ("30s"); fields left at their defaults are
// left out so Consul applies its own.
QByteArray sessionCreate(const Consul::SessionSpec &spec);

// PUT /v1/txn: values in base64, flags and indexes as exact uint64.
QByteArray txn(const QList<Consul::TxnOp> &ops);

// PUT /v1/agent/check/update/:id.
QByteArray checkUpdate(Consul::CheckStatus status, const QString &output);

} // namespace Baton::ConsulEncode
