#pragma once

#include "service/http/httpconnection.h"
#include "service/http/httprequest.h"

#include <functional>

#include <QList>
#include <QString>
#include <QStringList>

namespace Baton {

// Method + path-pattern routing ("/v1/jobs/{id}/nodes/{node}/log"). A path that matches a pattern under a
// different method answers 405 with Allow; anything else 404. routes() lists every registered route so a
// test can hold docs/openapi.yaml to it.
class HttpRouter
{
public:
    using Handler = std::function<void(HttpRequest &request, const HttpResponder &responder)>;

    struct RouteInfo
    {
        QByteArray method;
        QString pattern;
        QString role; // "none", "viewer", "operator", "admin"
    };

    void add(const QByteArray &method, const QString &pattern, const QString &role, Handler handler);
    void handle(HttpRequest &request, const HttpResponder &responder) const;
    QList<RouteInfo> routes() const;

private:
    struct Route
    {
        RouteInfo info;
        QStringList parts;
        Handler handler;
    };
    static bool matches(const Route &route, const QStringList &segments, QHash<QString, QString> *params);

    QList<Route> m_routes;
};

} // namespace Baton
