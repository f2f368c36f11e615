#pragma once

#include "core/domain/job.h"
#include "service/http/httprouter.h"
#include "service/tokenstore.h"

#include <nlohmann/json.hpp>
#include <optional>

#include <QElapsedTimer>
#include <QObject>

namespace Baton {

class EventStreamHub;
class HttpServer;
class JobManager;
class JobStore;
class Journal;
class Metrics;
class PlaybookCatalog;

// The REST API v1 (docs/openapi.yaml): routes, authentication and roles, request validation, the audit trail of
// every mutating call, and the JSON shapes (through JobCodec). Handlers never trust the body: it is parsed with
// limits, typed field by field, and checked before anything is stored.
class ServiceApi : public QObject
{
    Q_OBJECT
public:
    struct Context
    {
        JobManager *jobs = nullptr;
        JobStore *store = nullptr;
        Journal *journal = nullptr;
        EventStreamHub *events = nullptr;
        PlaybookCatalog *playbooks = nullptr;
        Metrics *metrics = nullptr;
        const TokenStore *tokens = nullptr; // null: authentication is off (every caller is an anonymous admin)
        QString instance;
        QString version;
    };

    explicit ServiceApi(Context context, QObject *parent = nullptr);

    void install(HttpServer *server);
    const HttpRouter &router() const { return m_router; }
    void setDraining(bool draining) { m_draining = draining; }

private:
    struct Call
    {
        HttpRequest request;
        HttpResponder responder;
        Principal who;
        QString action; // audited when non-empty
        QString target;
        nlohmann::json detail = nlohmann::json::object();
    };
    using Handler = std::function<void(const std::shared_ptr<Call> &call)>;

    void route(const QByteArray &method, const QString &pattern, std::optional<Role> role, const QString &action,
        Handler handler);
    void finish(const std::shared_ptr<Call> &call, HttpResponse response);
    std::optional<Principal> authenticate(const HttpRequest &request, HttpResponse *refusal) const;

    void health(const std::shared_ptr<Call> &call);
    void playbooks(const std::shared_ptr<Call> &call);
    void launch(const std::shared_ptr<Call> &call);
    void listJobs(const std::shared_ptr<Call> &call);
    void getJob(const std::shared_ptr<Call> &call);
    void cancelJob(const std::shared_ptr<Call> &call);
    void cancelNode(const std::shared_ptr<Call> &call);
    void relaunch(const std::shared_ptr<Call> &call);
    void nodeLog(const std::shared_ptr<Call> &call);
    void release(const std::shared_ptr<Call> &call);
    void events(const std::shared_ptr<Call> &call);
    void metrics(const std::shared_ptr<Call> &call);
    void audit(const std::shared_ptr<Call> &call);

    // Parses an optional JSON object body; an empty body is {}. Refuses other media types and unknown keys.
    std::optional<nlohmann::json> objectBody(
        const std::shared_ptr<Call> &call, std::initializer_list<const char *> allowedKeys);
    std::optional<qint64> jobIdParam(const std::shared_ptr<Call> &call);
    HttpResponse jobResponse(int status, const Job &job) const;

    Context m_ctx;
    HttpRouter m_router;
    bool m_draining = false;
    QElapsedTimer m_uptime;
};

} // namespace Baton
