#include "service/serviceapi.h"

#include "core/base/boundedjson.h"
#include "core/base/jsonfields.h"
#include "core/base/timestamps.h"
#include "core/domain/jobcodec.h"
#include "service/eventstreamhub.h"
#include "service/http/httpserver.h"
#include "service/jobs/jobmanager.h"
#include "service/journal.h"
#include "service/metrics.h"
#include "service/playbookcatalog.h"
#include "service/servicelogging.h"
#include "service/store/jobstore.h"

#include <QCryptographicHash>

namespace Baton {

using JsonFields::toQString;
using JsonFields::toStd;
using nlohmann::json;

namespace {

HttpResponse badRequest(const QString &message)
{
    return HttpResponse::error(400, QStringLiteral("bad_request"), message);
}

std::optional<qint64> positiveInt(const QString &text, qint64 max = std::numeric_limits<qint64>::max())
{
    if (text.isEmpty() || text.size() > 19)
        return std::nullopt;
    for (QChar c : text) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
    }
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (!ok || v <= 0 || v > max)
        return std::nullopt;
    return v;
}

QString limitText(const QString &s, int n = 200)
{
    return s.size() > n ? s.left(n) : s;
}

} // namespace

ServiceApi::ServiceApi(Context context, QObject *parent)
    : QObject(parent)
    , m_ctx(std::move(context))
{
    m_uptime.start();
    const std::optional<Role> none;
    route("GET", QStringLiteral("/v1/health"), none, QString(), [this](const auto &c) { health(c); });
    route("GET", QStringLiteral("/v1/playbooks"), Role::Viewer, QString(), [this](const auto &c) { playbooks(c); });
    route("POST", QStringLiteral("/v1/jobs"), Role::Operator, QStringLiteral("job.launch"),
        [this](const auto &c) { launch(c); });
    route("GET", QStringLiteral("/v1/jobs"), Role::Viewer, QString(), [this](const auto &c) { listJobs(c); });
    route("GET", QStringLiteral("/v1/jobs/{id}"), Role::Viewer, QString(), [this](const auto &c) { getJob(c); });
    route("POST", QStringLiteral("/v1/jobs/{id}/cancel"), Role::Operator, QStringLiteral("job.cancel"),
        [this](const auto &c) { cancelJob(c); });
    route("POST", QStringLiteral("/v1/jobs/{id}/nodes/{node}/cancel"), Role::Operator, QStringLiteral("node.cancel"),
        [this](const auto &c) { cancelNode(c); });
    route("POST", QStringLiteral("/v1/jobs/{id}/relaunch"), Role::Operator, QStringLiteral("job.relaunch"),
        [this](const auto &c) { relaunch(c); });
    route("GET", QStringLiteral("/v1/jobs/{id}/nodes/{node}/log"), Role::Viewer, QString(),
        [this](const auto &c) { nodeLog(c); });
    route("POST", QStringLiteral("/v1/nodes/{node}/release"), Role::Operator, QStringLiteral("node.release"),
        [this](const auto &c) { release(c); });
    route("GET", QStringLiteral("/v1/events"), Role::Viewer, QString(), [this](const auto &c) { events(c); });
    route("GET", QStringLiteral("/v1/audit"), Role::Admin, QString(), [this](const auto &c) { audit(c); });
    route("GET", QStringLiteral("/metrics"), Role::Viewer, QString(), [this](const auto &c) { metrics(c); });

    if (m_ctx.metrics) {
        m_ctx.metrics->describe(QStringLiteral("baton_http_requests_total"), QStringLiteral("counter"),
            QStringLiteral("HTTP requests answered, by route, method and status"));
        m_ctx.metrics->describe(QStringLiteral("baton_http_request_duration_seconds"), QStringLiteral("histogram"),
            QStringLiteral("from a request's last byte to its answer (streams: to their first byte)"));
        m_ctx.metrics->describe(
            QStringLiteral("baton_jobs"), QStringLiteral("gauge"), QStringLiteral("jobs in the store, by state"));
        m_ctx.metrics->addCollector([this](Metrics &m) {
            for (const QString &s : { QStringLiteral("queued"), QStringLiteral("running"), QStringLiteral("cancelling"),
                     QStringLiteral("succeeded"), QStringLiteral("partially_failed"), QStringLiteral("failed"),
                     QStringLiteral("cancelled") })
                m.set(QStringLiteral("baton_jobs"), { { QStringLiteral("state"), s } }, 0);
            if (auto counts = m_ctx.store->jobCountsByState()) {
                for (auto it = counts->begin(); it != counts->end(); ++it)
                    m.set(QStringLiteral("baton_jobs"), { { QStringLiteral("state"), it.key() } }, double(it.value()));
            }
        });
    }
}

void ServiceApi::install(HttpServer *server)
{
    server->setHandler(
        [this](HttpRequest &request, const HttpResponder &responder) { m_router.handle(request, responder); });
    connect(server, &HttpServer::responded, this, [this](const HttpRequest &request, int status) {
        if (!m_ctx.metrics)
            return;
        const QString route = request.route.isEmpty() ? QStringLiteral("(malformed)") : request.route;
        m_ctx.metrics->inc(QStringLiteral("baton_http_requests_total"),
            { { QStringLiteral("route"), route },
                { QStringLiteral("method"), QString::fromLatin1(request.method.left(10)) },
                { QStringLiteral("status"), QString::number(status) } });
        if (request.received.isValid())
            m_ctx.metrics->observe(QStringLiteral("baton_http_request_duration_seconds"),
                { { QStringLiteral("route"), route } }, double(request.received.nsecsElapsed()) / 1e9);
    });
}

std::optional<Principal> ServiceApi::authenticate(const HttpRequest &request, HttpResponse *refusal) const
{
    if (!m_ctx.tokens)
        return Principal { QStringLiteral("anonymous"), Role::Admin, true };
    const QByteArray header = request.header("authorization");
    if (header.isEmpty()) {
        *refusal = HttpResponse::error(
            401, QStringLiteral("unauthorized"), QStringLiteral("an Authorization: Bearer token is required"));
    } else if (auto p = m_ctx.tokens->fromAuthorization(header)) {
        return p;
    } else {
        *refusal
            = HttpResponse::error(401, QStringLiteral("unauthorized"), QStringLiteral("the bearer token is not valid"));
    }
    refusal->setHeader("WWW-Authenticate", "Bearer realm=\"baton\"");
    return std::nullopt;
}

void ServiceApi::route(
    const QByteArray &method, const QString &pattern, std::optional<Role> role, const QString &action, Handler handler)
{
    const QString roleName = role ? toWire(*role) : QStringLiteral("none");
    m_router.add(method, pattern, roleName,
        [this, role, action, handler = std::move(handler)](HttpRequest &request, const HttpResponder &responder) {
            auto call = std::make_shared<Call>();
            call->request = request;
            call->responder = responder;
            call->action = action;
            if (role) {
                HttpResponse refusal;
                auto who = authenticate(request, &refusal);
                if (!who) {
                    call->who = Principal { QStringLiteral("(unauthenticated)"), Role::Viewer, false };
                    qCInfo(lcAuth).noquote() << "refused" << request.method << request.path.left(200) << "from"
                                             << request.peer.toString() << ":" << refusal.status;
                    return finish(call, refusal);
                }
                call->who = *who;
                if (!who->may(*role)) {
                    qCInfo(lcAuth).noquote() << who->name << QStringLiteral("(%1) may not").arg(toWire(who->role))
                                             << request.method << request.path.left(200);
                    return finish(call,
                        HttpResponse::error(403, QStringLiteral("forbidden"),
                            QStringLiteral("%1 has the role %2; this needs %3")
                                .arg(who->name, toWire(who->role), toWire(*role))));
                }
            }
            handler(call);
        });
}

void ServiceApi::finish(const std::shared_ptr<Call> &call, HttpResponse response)
{
    if (!call->action.isEmpty()) {
        AuditEntry a;
        a.atMs = Timestamps::nowMs();
        a.actor = call->who.name;
        a.role = call->who.anonymous ? QStringLiteral("anonymous") : toWire(call->who.role);
        a.action = call->action;
        a.method = QString::fromLatin1(call->request.method.left(10));
        a.path = call->request.path.left(500);
        a.target = call->target;
        a.status = response.status;
        json detail = call->detail;
        if (response.status >= 400) {
            auto err = parseJsonBounded(response.body, JsonLimits::requestDefault());
            if (err && err->is_object() && err->contains("message"))
                detail["error"] = (*err)["message"];
        }
        std::string d = detail.dump(-1, ' ', false, json::error_handler_t::replace);
        if (d.size() > 16384)
            d = json { { "truncated", true }, { "bytes", d.size() } }.dump();
        a.detail = QString::fromStdString(d);
        a.remote = call->request.peer.toString();
        m_ctx.journal->audit(a);
        (void)m_ctx.journal->flushNow();
        qCInfo(lcApi).noquote() << QStringLiteral("%1 %2 %3 → %4")
                                       .arg(a.actor, a.action, a.target.isEmpty() ? a.path : a.target)
                                       .arg(a.status);
    }
    call->responder.send(response);
}

HttpResponse ServiceApi::jobResponse(int status, const Job &job) const
{
    HttpResponse r = HttpResponse::json(status, JobCodec::toJson(job));
    r.setHeader("X-Baton-Event-Seq", QByteArray::number(m_ctx.events ? m_ctx.events->lastSeq() : 0));
    return r;
}

std::optional<json> ServiceApi::objectBody(
    const std::shared_ptr<Call> &call, std::initializer_list<const char *> allowedKeys)
{
    const HttpRequest &req = call->request;
    if (req.body.trimmed().isEmpty())
        return json::object();
    const QByteArray ct = req.header("content-type").toLower();
    // Bodies are JSON whatever the client calls them (curl -d says form-urlencoded); only multipart, which
    // cannot be JSON, is refused outright.
    if (ct.startsWith("multipart/")) {
        finish(call,
            HttpResponse::error(
                415, QStringLiteral("unsupported_media_type"), QStringLiteral("send the body as application/json")));
        return std::nullopt;
    }
    auto parsed = parseJsonBounded(req.body, JsonLimits::requestDefault());
    if (!parsed) {
        finish(call, HttpResponse::fromError(parsed.error()));
        return std::nullopt;
    }
    if (!parsed->is_object()) {
        finish(call, badRequest(QStringLiteral("the body must be a JSON object")));
        return std::nullopt;
    }
    for (auto it = parsed->begin(); it != parsed->end(); ++it) {
        bool known = false;
        for (const char *k : allowedKeys)
            known = known || it.key() == k;
        if (!known) {
            QStringList allowed;
            for (const char *k : allowedKeys)
                allowed.append(QString::fromLatin1(k));
            finish(call,
                badRequest(QStringLiteral("unknown field \"%1\" (allowed: %2)")
                               .arg(limitText(toQString(it.key()), 60), allowed.join(QStringLiteral(", ")))));
            return std::nullopt;
        }
    }
    return std::optional<json>(std::move(*parsed));
}

std::optional<qint64> ServiceApi::jobIdParam(const std::shared_ptr<Call> &call)
{
    const QString text = call->request.param(QStringLiteral("id"));
    auto id = positiveInt(text);
    if (!id) {
        finish(call,
            HttpResponse::error(
                404, QStringLiteral("not_found"), QStringLiteral("\"%1\" is not a job id").arg(limitText(text, 40))));
        return std::nullopt;
    }
    call->target = QStringLiteral("job %1").arg(*id);
    return id;
}

// ---------------------------------------------------------------------------------------------- handlers

void ServiceApi::health(const std::shared_ptr<Call> &call)
{
    const bool storeOk = m_ctx.journal->isHealthy();
    json j = {
        { "status", m_draining ? "draining" : (storeOk ? "ok" : "degraded") },
        { "version", toStd(m_ctx.version) },
        { "instance", toStd(m_ctx.instance) },
        { "store", toStd(m_ctx.store->kind()) },
        { "store_ok", storeOk },
        { "runners", m_ctx.jobs->runningProcesses() },
        { "max_runners", m_ctx.jobs->maxRunners() },
        { "active_jobs", m_ctx.jobs->activeJobCount() },
        { "event_seq", m_ctx.events->lastSeq() },
        { "uptime_s", m_uptime.elapsed() / 1000 },
    };
    if (!storeOk)
        j["store_error"] = toStd(m_ctx.journal->lastError());
    finish(call, HttpResponse::json(m_draining ? 503 : 200, j));
}

void ServiceApi::playbooks(const std::shared_ptr<Call> &call)
{
    json list = json::array();
    for (const PlaybookInfo &p : m_ctx.playbooks->list())
        list.push_back({ { "name", toStd(p.name) }, { "description", toStd(p.description) } });
    finish(call, HttpResponse::json(200, { { "playbooks", list } }));
}

void ServiceApi::launch(const std::shared_ptr<Call> &call)
{
    if (m_draining)
        return finish(call,
            HttpResponse::error(503, QStringLiteral("unavailable"), QStringLiteral("the service is shutting down")));
    auto body = objectBody(call,
        { "playbook", "target", "extra_vars", "check_mode", "timeout_s", "node_timeout_s", "halt_on_failure",
            "override_freeze" });
    if (!body)
        return;
    if (call->request.body.trimmed().isEmpty())
        return finish(
            call, badRequest(QStringLiteral("the body must be a JSON job: {\"playbook\": …, \"target\": {…}}")));
    if (const auto t = body->find("target"); t != body->end() && t->is_object()) {
        for (auto it = t->begin(); it != t->end(); ++it) {
            if (it.key() != "service" && it.key() != "tag" && it.key() != "nodes")
                return finish(call,
                    badRequest(QStringLiteral("unknown field \"target.%1\" (allowed: service, tag, nodes)")
                                   .arg(limitText(toQString(it.key()), 60))));
        }
    }
    auto spec = JobCodec::jobSpecFromJson(*body);
    if (!spec)
        return finish(call, HttpResponse::fromError(spec.error()));
    call->detail = {
        { "playbook", toStd(spec->playbook) },
        { "target", JobCodec::toJson(*spec)["target"] },
        { "extra_vars", spec->extraVars },
        { "check_mode", spec->checkMode },
        { "timeout_s", spec->timeoutS },
        { "node_timeout_s", spec->nodeTimeoutS },
        { "halt_on_failure", spec->haltOnFailure },
        { "override_freeze", spec->overrideFreeze },
    };
    call->target = spec->target.service.isEmpty()
        ? QStringLiteral("nodes %1").arg(spec->target.nodes.join(u',').left(200))
        : QStringLiteral("service %1").arg(spec->target.service);
    LaunchRequest req;
    req.spec = *spec;
    req.who = call->who;
    const QByteArray key = call->request.header("idempotency-key");
    if (call->request.hasHeader("idempotency-key")) {
        bool ok = !key.isEmpty() && key.size() <= 255;
        for (char c : key)
            ok = ok && c >= 0x21 && c <= 0x7e;
        if (!ok)
            return finish(
                call, badRequest(QStringLiteral("Idempotency-Key must be 1 to 255 printable ASCII characters")));
        req.idempotencyKey = QString::fromLatin1(key);
        call->detail["idempotency_key"] = key.toStdString();
    }
    const std::string canonical = JobCodec::toJson(*spec).dump();
    req.requestHash = QString::fromLatin1(
        QCryptographicHash::hash(QByteArray::fromStdString(canonical), QCryptographicHash::Sha256).toHex());
    m_ctx.jobs->launch(std::move(req), [this, call](Result<LaunchOutcome> r) {
        if (!r)
            return finish(call, HttpResponse::fromError(r.error()));
        call->target = QStringLiteral("job %1").arg(r->job.id);
        HttpResponse resp = jobResponse(r->replayed ? 200 : 201, r->job);
        resp.setHeader("Location", "/v1/jobs/" + QByteArray::number(r->job.id));
        if (r->replayed)
            resp.setHeader("Idempotent-Replayed", "true");
        finish(call, resp);
    });
}

void ServiceApi::listJobs(const std::shared_ptr<Call> &call)
{
    const HttpRequest &req = call->request;
    JobQuery q;
    const QString states = req.queryValue(QStringLiteral("state"));
    if (!states.isEmpty()) {
        for (const QString &s : states.split(u',', Qt::SkipEmptyParts)) {
            if (!jobStateFromWire(s.trimmed()))
                return finish(call, badRequest(QStringLiteral("unknown job state \"%1\"").arg(limitText(s, 40))));
            q.states.append(s.trimmed());
        }
    }
    q.playbook = limitText(req.queryValue(QStringLiteral("playbook")), 300);
    q.service = limitText(req.queryValue(QStringLiteral("service")), 300);
    q.text = limitText(req.queryValue(QStringLiteral("q")), 300);
    const QString cursor = req.queryValue(QStringLiteral("cursor"));
    if (!cursor.isEmpty()) {
        auto c = positiveInt(cursor);
        if (!c)
            return finish(call, badRequest(QStringLiteral("cursor must be a value from next_cursor")));
        q.before = *c;
    }
    const QString limit = req.queryValue(QStringLiteral("limit"));
    if (!limit.isEmpty()) {
        auto l = positiveInt(limit, 1000);
        if (!l)
            return finish(call, badRequest(QStringLiteral("limit must be between 1 and 1000")));
        q.limit = int(*l);
    } else {
        q.limit = 100;
    }
    (void)m_ctx.journal->flushNow();
    const quint64 seq = m_ctx.events->lastSeq();
    auto page = m_ctx.store->listJobs(q);
    if (!page)
        return finish(call, HttpResponse::fromError(page.error()));
    json jobs = json::array();
    for (const Job &j : page->jobs) {
        // The live copy of a running job is fresher than its row.
        if (auto live = m_ctx.jobs->activeJob(j.id)) {
            Job copy = *live;
            copy.counts = copy.countNodes();
            jobs.push_back(JobCodec::toJson(copy, JobCodec::NodeDetail::CountsOnly));
        } else {
            jobs.push_back(JobCodec::toJson(j, JobCodec::NodeDetail::CountsOnly));
        }
    }
    json body = { { "jobs", jobs },
        { "next_cursor", page->nextCursor > 0 ? json(toStd(QString::number(page->nextCursor))) : json(nullptr) },
        { "seq", seq } };
    HttpResponse r = HttpResponse::json(200, body);
    r.setHeader("X-Baton-Event-Seq", QByteArray::number(seq));
    finish(call, r);
}

void ServiceApi::getJob(const std::shared_ptr<Call> &call)
{
    auto id = jobIdParam(call);
    if (!id)
        return;
    auto job = m_ctx.jobs->job(*id);
    if (!job)
        return finish(call, HttpResponse::fromError(job.error()));
    finish(call, jobResponse(200, *job));
}

void ServiceApi::cancelJob(const std::shared_ptr<Call> &call)
{
    auto id = jobIdParam(call);
    if (!id)
        return;
    auto body = objectBody(call, { "mode", "maintenance" });
    if (!body)
        return;
    call->detail = *body;
    CancelOptions o;
    auto mode = JsonFields::optionalString(*body, "mode");
    auto maint = JsonFields::optionalString(*body, "maintenance");
    if (!mode || !maint)
        return finish(call, HttpResponse::fromError(!mode ? mode.error() : maint.error()));
    const QString m = mode->value_or(QStringLiteral("graceful"));
    if (m != u"graceful" && m != u"force")
        return finish(call, badRequest(QStringLiteral("mode must be \"graceful\" or \"force\"")));
    const QString mt = maint->value_or(QStringLiteral("keep"));
    if (mt != u"keep" && mt != u"release")
        return finish(call, badRequest(QStringLiteral("maintenance must be \"keep\" or \"release\"")));
    o.force = m == u"force";
    o.releaseMaintenance = mt == u"release";
    auto r = m_ctx.jobs->cancelJob(*id, o, call->who);
    if (!r)
        return finish(call, HttpResponse::fromError(r.error()));
    finish(call, jobResponse(200, r->job));
}

void ServiceApi::cancelNode(const std::shared_ptr<Call> &call)
{
    auto id = jobIdParam(call);
    if (!id)
        return;
    const QString node = call->request.param(QStringLiteral("node"));
    call->target = QStringLiteral("job %1 node %2").arg(*id).arg(limitText(node));
    auto body = objectBody(call, { "mode", "maintenance" });
    if (!body)
        return;
    call->detail = *body;
    auto mode = JsonFields::optionalString(*body, "mode");
    auto maint = JsonFields::optionalString(*body, "maintenance");
    if (!mode || !maint)
        return finish(call, HttpResponse::fromError(!mode ? mode.error() : maint.error()));
    const QString m = mode->value_or(QStringLiteral("drop"));
    if (m != u"drop" && m != u"force")
        return finish(call, badRequest(QStringLiteral("mode must be \"drop\" or \"force\"")));
    const QString mt = maint->value_or(QStringLiteral("keep"));
    if (mt != u"keep" && mt != u"release")
        return finish(call, badRequest(QStringLiteral("maintenance must be \"keep\" or \"release\"")));
    CancelOptions o;
    o.force = m == u"force";
    o.releaseMaintenance = mt == u"release";
    auto r = m_ctx.jobs->cancelNode(*id, node, o, call->who);
    if (!r)
        return finish(call, HttpResponse::fromError(r.error()));
    finish(call, jobResponse(200, r->job));
}

void ServiceApi::relaunch(const std::shared_ptr<Call> &call)
{
    if (m_draining)
        return finish(call,
            HttpResponse::error(503, QStringLiteral("unavailable"), QStringLiteral("the service is shutting down")));
    auto id = jobIdParam(call);
    if (!id)
        return;
    auto body = objectBody(call, { "nodes" });
    if (!body)
        return;
    call->detail = *body;
    auto nodes = JsonFields::optionalStringList(*body, "nodes");
    if (!nodes)
        return finish(call, HttpResponse::fromError(nodes.error()));
    const qint64 original = *id;
    m_ctx.jobs->relaunch(original, *nodes, call->who, [this, call, original](Result<LaunchOutcome> r) {
        if (!r)
            return finish(call, HttpResponse::fromError(r.error()));
        call->target = QStringLiteral("job %1 (relaunch of job %2)").arg(r->job.id).arg(original);
        HttpResponse resp = jobResponse(201, r->job);
        resp.setHeader("Location", "/v1/jobs/" + QByteArray::number(r->job.id));
        finish(call, resp);
    });
}

void ServiceApi::nodeLog(const std::shared_ptr<Call> &call)
{
    auto id = jobIdParam(call);
    if (!id)
        return;
    const QString node = call->request.param(QStringLiteral("node"));
    qint64 offset = 0;
    const QString offsetText = call->request.queryValue(QStringLiteral("offset"));
    if (!offsetText.isEmpty() && offsetText != u"0") {
        auto o = positiveInt(offsetText);
        if (!o)
            return finish(call, badRequest(QStringLiteral("offset must be a byte offset (0 or more)")));
        offset = *o;
    }
    qint64 limit = 256 * 1024;
    const QString limitTextValue = call->request.queryValue(QStringLiteral("limit"));
    if (!limitTextValue.isEmpty()) {
        auto l = positiveInt(limitTextValue, 4 * 1024 * 1024);
        if (!l)
            return finish(call, badRequest(QStringLiteral("limit must be between 1 and 4194304 bytes")));
        limit = *l;
    }
    auto job = m_ctx.jobs->job(*id);
    if (!job)
        return finish(call, HttpResponse::fromError(job.error()));
    const NodeRun *run = job->findNode(node);
    if (!run)
        return finish(call,
            HttpResponse::error(404, QStringLiteral("not_found"),
                QStringLiteral("job %1 has no node %2").arg(*id).arg(limitText(node))));
    (void)m_ctx.journal->flushNow();
    auto slice = m_ctx.store->readLog(*id, node, offset, limit);
    if (!slice)
        return finish(call, HttpResponse::fromError(slice.error()));
    QByteArray text = slice->data;
    qint64 start = slice->offset;
    if (offset < slice->trimmedBefore && slice->trimmedBefore > 0) {
        // The oldest output was dropped to bound the log; say so where it was, and account the marker's bytes
        // to the trimmed range so offset + text length still lands on the next unread byte.
        const QByteArray marker
            = QStringLiteral("[… %1 earlier bytes of this log were trimmed …]\n").arg(slice->trimmedBefore).toUtf8();
        text = marker + text;
        start = std::max<qint64>(0, slice->trimmedBefore - marker.size());
    }
    const json body = {
        { "node", toStd(node) },
        { "offset", start },
        { "next_offset", slice->offset + slice->data.size() },
        { "size", slice->size },
        { "trimmed_before", slice->trimmedBefore },
        { "complete", isTerminal(run->state) && slice->offset + slice->data.size() >= slice->size },
        { "text", std::string(text.constData(), std::size_t(text.size())) },
    };
    finish(call, HttpResponse::json(200, body));
}

void ServiceApi::release(const std::shared_ptr<Call> &call)
{
    if (m_draining)
        return finish(call,
            HttpResponse::error(503, QStringLiteral("unavailable"), QStringLiteral("the service is shutting down")));
    const QString node = call->request.param(QStringLiteral("node"));
    call->target = QStringLiteral("node %1").arg(limitText(node));
    auto body = objectBody(call, { "service" });
    if (!body)
        return;
    call->detail = *body;
    auto service = JsonFields::optionalString(*body, "service");
    if (!service)
        return finish(call, HttpResponse::fromError(service.error()));
    m_ctx.jobs->release(node, service->value_or(QString()), call->who, [this, call, node](Result<LaunchOutcome> r) {
        if (!r)
            return finish(call, HttpResponse::fromError(r.error()));
        call->target = QStringLiteral("node %1 (job %2)").arg(limitText(node)).arg(r->job.id);
        HttpResponse resp = jobResponse(201, r->job);
        resp.setHeader("Location", "/v1/jobs/" + QByteArray::number(r->job.id));
        finish(call, resp);
    });
}

void ServiceApi::events(const std::shared_ptr<Call> &call)
{
    const HttpRequest &req = call->request;
    qint64 jobFilter = 0;
    const QString job = req.queryValue(QStringLiteral("job"));
    if (!job.isEmpty()) {
        auto id = positiveInt(job);
        if (!id)
            return finish(call, badRequest(QStringLiteral("job must be a job id")));
        auto exists = m_ctx.jobs->job(*id);
        if (!exists)
            return finish(call, HttpResponse::fromError(exists.error()));
        jobFilter = *id;
    }
    std::optional<quint64> lastId;
    QString idText = QString::fromLatin1(req.header("last-event-id")).trimmed();
    if (idText.isEmpty())
        idText = req.queryValue(QStringLiteral("last_event_id"));
    if (!idText.isEmpty()) {
        if (idText == u"0") {
            lastId = 0;
        } else {
            auto v = positiveInt(idText);
            if (!v)
                return finish(call, badRequest(QStringLiteral("Last-Event-ID must be an event id from this stream")));
            lastId = quint64(*v);
        }
    }
    if (m_ctx.events->isFull())
        return finish(call,
            HttpResponse::error(503, QStringLiteral("unavailable"), QStringLiteral("too many event-stream clients")));
    (void)m_ctx.journal->flushNow();
    HttpConnection *conn = call->responder.startStream(200,
        { { "Content-Type", "text/event-stream; charset=utf-8" }, { "Cache-Control", "no-cache" },
            { "X-Accel-Buffering", "no" } });
    if (!conn)
        return;
    m_ctx.events->attach(conn, lastId, jobFilter);
}

void ServiceApi::metrics(const std::shared_ptr<Call> &call)
{
    finish(call, HttpResponse::text(200, m_ctx.metrics->render(), "text/plain; version=0.0.4; charset=utf-8"));
}

void ServiceApi::audit(const std::shared_ptr<Call> &call)
{
    qint64 before = 0;
    const QString cursor = call->request.queryValue(QStringLiteral("cursor"));
    if (!cursor.isEmpty()) {
        auto c = positiveInt(cursor);
        if (!c)
            return finish(call, badRequest(QStringLiteral("cursor must be a value from next_cursor")));
        before = *c;
    }
    int limit = 100;
    const QString l = call->request.queryValue(QStringLiteral("limit"));
    if (!l.isEmpty()) {
        auto v = positiveInt(l, 1000);
        if (!v)
            return finish(call, badRequest(QStringLiteral("limit must be between 1 and 1000")));
        limit = int(*v);
    }
    (void)m_ctx.journal->flushNow();
    auto entries = m_ctx.store->listAudit(before, limit + 1);
    if (!entries)
        return finish(call, HttpResponse::fromError(entries.error()));
    json list = json::array();
    qint64 next = 0;
    for (int i = 0; i < entries->size(); ++i) {
        if (i == limit) {
            next = (*entries)[i - 1].id;
            break;
        }
        const AuditEntry &a = (*entries)[i];
        json detail = json::object();
        if (auto d = parseJsonBounded(a.detail.toUtf8(), JsonLimits::requestDefault()))
            detail = *d;
        list.push_back({ { "id", a.id }, { "at", JobCodec::timeToJson(a.atMs) }, { "actor", toStd(a.actor) },
            { "role", toStd(a.role) }, { "action", toStd(a.action) }, { "method", toStd(a.method) },
            { "path", toStd(a.path) }, { "target", toStd(a.target) }, { "status", a.status }, { "detail", detail },
            { "remote", toStd(a.remote) } });
    }
    finish(call,
        HttpResponse::json(200,
            { { "entries", list }, { "next_cursor", next > 0 ? json(toStd(QString::number(next))) : json(nullptr) } }));
}

} // namespace Baton
