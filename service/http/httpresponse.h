#pragma once

#include "core/base/error.h"

#include <nlohmann/json.hpp>
#include <utility>

#include <QByteArray>
#include <QList>
#include <QString>

namespace Baton {

// A complete (non-streaming) HTTP response. Every error the service sends is JSON
// {"error": "<code>", "message": "<one line for an operator>"} with a matching status.
struct HttpResponse
{
    int status = 200;
    QByteArray contentType = "application/json";
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool closeConnection = false;

    static HttpResponse json(int status, const nlohmann::json &body);
    static HttpResponse error(int status, const QString &code, const QString &message);
    static HttpResponse fromError(const Error &error);
    static HttpResponse text(int status, QByteArray body, QByteArray contentType);

    void setHeader(const QByteArray &name, const QByteArray &value);

    static QString errorCodeFor(int status);
    static int statusFor(const Error &error);
};

} // namespace Baton
