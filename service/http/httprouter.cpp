#include "service/http/httprouter.h"

#include "service/http/httpresponse.h"

namespace Baton {

void HttpRouter::add(const QByteArray &method, const QString &pattern, const QString &role, Handler handler)
{
    Route r;
    r.info = { method, pattern, role };
    r.parts = pattern.mid(1).split(u'/');
    r.handler = std::move(handler);
    m_routes.append(std::move(r));
}

QList<HttpRouter::RouteInfo> HttpRouter::routes() const
{
    QList<RouteInfo> out;
    for (const Route &r : m_routes)
        out.append(r.info);
    return out;
}

bool HttpRouter::matches(const Route &route, const QStringList &segments, QHash<QString, QString> *params)
{
    if (route.parts.size() != segments.size())
        return false;
    QHash<QString, QString> found;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const QString &p = route.parts[i];
        if (p.startsWith(u'{') && p.endsWith(u'}')) {
            if (segments[i].isEmpty())
                return false;
            found.insert(p.mid(1, p.size() - 2), segments[i]);
        } else if (p != segments[i]) {
            return false;
        }
    }
    if (params)
        *params = std::move(found);
    return true;
}

void HttpRouter::handle(HttpRequest &request, const HttpResponder &responder) const
{
    QList<QByteArray> allowed;
    for (const Route &r : m_routes) {
        QHash<QString, QString> params;
        if (!matches(r, request.segments, &params))
            continue;
        if (r.info.method != request.method) {
            if (!allowed.contains(r.info.method))
                allowed.append(r.info.method);
            continue;
        }
        request.params = std::move(params);
        request.route = r.info.pattern;
        responder.setRoute(request.route);
        r.handler(request, responder);
        return;
    }
    if (!allowed.isEmpty()) {
        request.route = QStringLiteral("(method not allowed)");
        responder.setRoute(request.route);
        HttpResponse resp = HttpResponse::error(405, QStringLiteral("method_not_allowed"),
            QStringLiteral("%1 is not allowed on %2")
                .arg(QString::fromLatin1(request.method.left(16)), request.path.left(200)));
        resp.setHeader("Allow", allowed.join(", "));
        responder.send(resp);
        return;
    }
    request.route = QStringLiteral("(not found)");
    responder.setRoute(request.route);
    responder.send(HttpResponse::error(
        404, QStringLiteral("not_found"), QStringLiteral("no such resource: %1").arg(request.path.left(200))));
}

} // namespace Baton
