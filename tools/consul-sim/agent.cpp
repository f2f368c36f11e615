#include "tools/consul-sim/agent.h"

#include "tools/consul-sim/blockingqueries.h"
#include "tools/consul-sim/simlogging.h"

#include <QCryptographicHash>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrl>

namespace Baton::ConsulSim {

namespace {

constexpr std::size_t kOutputMaxSize = 4096; // check_output_max_size default
const char *const kNodeMaintReason
    = "Maintenance mode is enabled for this node, but no reason was provided. This is a default message.";
const char *const kServiceMaintReason
    = "Maintenance mode is enabled for this service, but no reason was provided. This is a default message.";
const std::string kNodeMaint = "_node_maintenance";
const std::string kServiceMaintPrefix = "_service_maintenance:";

std::string derivedUuid(const std::string &seed)
{
    const QByteArray hex
        = QCryptographicHash::hash(QByteArray::fromStdString(seed), QCryptographicHash::Sha256).toHex().left(32);
    return (hex.mid(0, 8) + '-' + hex.mid(8, 4) + '-' + hex.mid(12, 4) + '-' + hex.mid(16, 4) + '-' + hex.mid(20, 12))
        .toStdString();
}

std::chrono::milliseconds toMs(Nanos n)
{
    return std::chrono::milliseconds(std::max<Nanos>(1, n / 1'000'000));
}

std::string truncateOutput(const std::string &output)
{
    if (output.size() <= kOutputMaxSize)
        return output;
    return output.substr(0, kOutputMaxSize) + " ... (captured " + std::to_string(kOutputMaxSize) + " of "
        + std::to_string(output.size()) + " bytes)";
}

// Go's error text for a failed HTTP check request, as far as Qt tells us what went wrong.
std::string httpErrorText(QNetworkReply *reply, const std::string &method, const std::string &url)
{
    std::string op = method.empty() ? std::string("Get") : method;
    for (std::size_t i = 1; i < op.size(); ++i)
        op[i] = char(std::tolower(static_cast<unsigned char>(op[i])));
    const QUrl u(QString::fromStdString(url));
    const std::string hostPort
        = u.host().toStdString() + ":" + std::to_string(u.port(u.scheme() == QLatin1String("https") ? 443 : 80));
    std::string err;
    switch (reply->error()) {
    case QNetworkReply::ConnectionRefusedError:
        err = "dial tcp " + hostPort + ": connect: connection refused";
        break;
    case QNetworkReply::HostNotFoundError:
        err = "dial tcp: lookup " + u.host().toStdString() + ": no such host";
        break;
    case QNetworkReply::OperationCanceledError:
    case QNetworkReply::TimeoutError:
        err = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
        break;
    case QNetworkReply::RemoteHostClosedError:
        err = "EOF";
        break;
    default:
        err = reply->errorString().toStdString();
        break;
    }
    return op + " \"" + url + "\": " + err;
}

} // namespace

Agent::Agent(const NodeConfig &config, const SimConfig &sim, StateStore *store, BlockingQueries *blocking,
    std::function<QNetworkAccessManager *()> network, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_sim(sim)
    , m_store(store)
    , m_blocking(blocking)
    , m_network(std::move(network))
    , m_node(config.name)
    , m_alive(config.alive)
{ }

Agent::~Agent()
{
    for (auto &[id, c] : m_checks) {
        if (c.inflight)
            c.inflight->abort();
    }
}

void Agent::start()
{
    NodeRec node;
    node.name = m_node;
    node.id = m_config.id.empty() ? derivedUuid("consul-sim node:" + m_sim.datacenter + ":" + m_node) : m_config.id;
    node.address = m_config.address;
    node.datacenter = m_sim.datacenter;
    if (m_config.taggedAddresses.empty()) {
        node.taggedAddresses = { { "lan", m_config.address }, { "lan_ipv4", m_config.address },
            { "wan", m_config.address }, { "wan_ipv4", m_config.address } };
    } else {
        node.taggedAddresses = m_config.taggedAddresses;
    }
    node.meta = m_config.meta;
    node.meta["consul-network-segment"] = "";
    node.meta["consul-version"] = m_sim.consulVersion;
    m_store->ensureNode(node);

    if (m_sim.registerConsulService && m_sim.serverNode == m_node) {
        ServiceRec consul;
        consul.node = m_node;
        consul.id = "consul";
        consul.name = "consul";
        consul.port = 8300;
        consul.meta = { { "non_voter", "false" }, { "raft_version", "3" }, { "read_replica", "false" },
            { "serf_protocol_current", "2" }, { "serf_protocol_max", "5" }, { "serf_protocol_min", "1" },
            { "version", m_sim.consulVersion } };
        m_store->ensureService(consul);
    }
    for (const ServiceConfig &s : m_config.services) {
        ServiceRec rec;
        rec.node = m_node;
        rec.id = s.id;
        rec.name = s.name;
        rec.tags = s.tags;
        rec.address = s.address;
        rec.port = s.port;
        rec.meta = s.meta;
        rec.taggedAddresses = s.taggedAddresses;
        rec.weightPassing = s.weightPassing;
        rec.weightWarning = s.weightWarning;
        rec.enableTagOverride = s.enableTagOverride;
        m_store->ensureService(rec);
    }

    setSerf(m_alive);
    for (const CheckConfig &c : m_config.checks)
        addLocalCheck(c, {}, {});
    for (const ServiceConfig &s : m_config.services) {
        for (const CheckConfig &c : s.checks)
            addLocalCheck(c, s.id, s.name);
    }
    if (m_config.maintenanceReason)
        setNodeMaintenance(true, *m_config.maintenanceReason);
    for (const ServiceConfig &s : m_config.services) {
        if (s.maintenanceReason)
            setServiceMaintenance(s.id, true, *s.maintenanceReason);
    }
}

void Agent::setSerf(bool alive)
{
    CheckRec serf;
    if (const CheckRec *existing = m_store->check(m_node, "serfHealth"))
        serf = *existing;
    serf.node = m_node;
    serf.checkId = "serfHealth";
    serf.name = "Serf Health Status";
    serf.status = alive ? "passing" : "critical";
    serf.output = alive ? "Agent alive and reachable" : "Agent not live or unreachable";
    m_store->ensureCheck(serf);
}

void Agent::addLocalCheck(const CheckConfig &cfg, const std::string &serviceId, const std::string &serviceName)
{
    LocalCheck check;
    check.rec.node = m_node;
    check.rec.checkId = cfg.id;
    check.rec.name = cfg.name;
    check.rec.status = cfg.status;
    check.rec.notes = cfg.notes;
    check.rec.output = cfg.output;
    check.rec.serviceId = serviceId;
    check.rec.serviceName = serviceName;
    if (const ServiceRec *svc = m_store->service(m_node, serviceId))
        check.rec.serviceTags = svc->tags;
    if (cfg.ttl) {
        check.kind = Kind::Ttl;
        check.ttl = *cfg.ttl;
        check.rec.type = "ttl";
    } else if (!cfg.http.empty()) {
        check.kind = Kind::Http;
        check.http = cfg.http;
        check.method = cfg.method;
        check.header = cfg.header;
        check.interval = cfg.interval.value_or(10 * GoDuration::kSecond);
        check.timeout = cfg.timeout.value_or(0);
        check.rec.type = "http";
        check.rec.interval = GoDuration::format(check.interval);
        if (cfg.timeout)
            check.rec.timeout = GoDuration::format(*cfg.timeout);
    }
    const std::string id = cfg.id;
    auto [it, inserted] = m_checks.emplace(id, std::move(check));
    sync(it->second, true);
    if (m_alive)
        startRunners(it->second, true);
}

void Agent::startRunners(LocalCheck &check, bool initial)
{
    const std::string id = check.rec.checkId;
    if (check.kind == Kind::Ttl) {
        if (!check.ttlTimer) {
            check.ttlTimer = new QTimer(this);
            check.ttlTimer->setSingleShot(true);
            check.ttlTimer->setTimerType(Qt::PreciseTimer);
            connect(check.ttlTimer, &QTimer::timeout, this, [this, id] { onTtlExpired(id); });
        }
        check.ttlTimer->start(toMs(check.ttl));
    } else if (check.kind == Kind::Http) {
        if (!check.pollTimer) {
            check.pollTimer = new QTimer(this);
            check.pollTimer->setSingleShot(true);
            check.pollTimer->setTimerType(Qt::PreciseTimer);
            connect(check.pollTimer, &QTimer::timeout, this, [this, id] { runHttpCheck(id); });
        }
        // Consul staggers the first run randomly within one interval so checks do not all fire together.
        const auto intervalMs = toMs(check.interval).count();
        const qint64 first = initial ? QRandomGenerator::global()->bounded(qint64(std::max<qint64>(1, intervalMs))) : 0;
        check.pollTimer->start(std::chrono::milliseconds(first));
    }
}

void Agent::stopRunners(LocalCheck &check)
{
    if (check.ttlTimer)
        check.ttlTimer->stop();
    if (check.pollTimer)
        check.pollTimer->stop();
    if (check.inflight)
        check.inflight->abort();
}

void Agent::onTtlExpired(const std::string &checkId)
{
    const auto it = m_checks.find(checkId);
    if (it == m_checks.end())
        return;
    LocalCheck &check = it->second;
    // CheckTTL keeps the last output it was given and reports it with the expiry.
    std::string output = "TTL expired";
    if (!check.rec.output.empty() && check.rec.output.rfind("TTL expired", 0) != 0)
        output = "TTL expired (last output before timeout follows): " + check.rec.output;
    qCInfo(lcSim) << "check" << checkId.c_str() << "on" << m_node.c_str() << "TTL expired";
    setLocal(check, "critical", output);
}

void Agent::runHttpCheck(const std::string &checkId)
{
    const auto it = m_checks.find(checkId);
    if (it == m_checks.end() || !m_alive)
        return;
    LocalCheck &check = it->second;
    if (check.inflight) {
        check.pollTimer->start(toMs(check.interval));
        return;
    }
    QNetworkRequest request { QUrl(QString::fromStdString(check.http)) };
    request.setRawHeader("User-Agent", "Consul Health Check");
    request.setRawHeader("Accept", "text/plain, text/*, */*");
    for (const auto &[name, values] : check.header) {
        for (const std::string &v : values)
            request.setRawHeader(QByteArray::fromStdString(name), QByteArray::fromStdString(v));
    }
    const Nanos timeout = check.timeout > 0 ? check.timeout : m_sim.timing.httpCheckTimeout;
    request.setTransferTimeout(int(std::min<Nanos>(toMs(timeout).count(), std::numeric_limits<int>::max())));
    QNetworkReply *reply = m_network()->sendCustomRequest(request, QByteArray::fromStdString(check.method));
    check.inflight = reply;
    auto tail = std::make_shared<QByteArray>();
    connect(reply, &QNetworkReply::readyRead, this, [reply, tail] {
        // Keep only the last 4 KiB of the body, like Consul's circular output buffer.
        *tail += reply->readAll();
        if (tail->size() > qsizetype(kOutputMaxSize))
            tail->remove(0, tail->size() - qsizetype(kOutputMaxSize));
    });
    connect(reply, &QNetworkReply::finished, this, [this, checkId, reply, tail] {
        reply->deleteLater();
        const auto found = m_checks.find(checkId);
        if (found == m_checks.end())
            return;
        LocalCheck &c = found->second;
        c.inflight = nullptr;
        if (!m_alive)
            return;
        *tail += reply->readAll();
        if (tail->size() > qsizetype(kOutputMaxSize))
            tail->remove(0, tail->size() - qsizetype(kOutputMaxSize));
        const QVariant statusAttr = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (statusAttr.isValid()) {
            const int code = statusAttr.toInt();
            const std::string reason
                = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray().toStdString();
            const std::string output = "HTTP " + c.method + " " + c.http + ": " + std::to_string(code) + " " + reason
                + " Output: " + tail->toStdString();
            const char *status = (code >= 200 && code <= 299) ? "passing" : code == 429 ? "warning" : "critical";
            setLocal(c, status, output);
        } else {
            setLocal(c, "critical", httpErrorText(reply, c.method, c.http));
        }
        if (c.pollTimer && m_alive)
            c.pollTimer->start(toMs(c.interval));
    });
}

void Agent::setLocal(LocalCheck &check, const std::string &status, const std::string &output)
{
    check.rec.status = status;
    check.rec.output = output;
    sync(check, false);
    m_blocking->pokeCatalog();
}

void Agent::sync(LocalCheck &check, bool force)
{
    const CheckRec *catalog = m_store->check(m_node, check.rec.checkId);
    const bool outputOnly = catalog && !force && catalog->status == check.rec.status
        && catalog->notes == check.rec.notes && catalog->name == check.rec.name && catalog->output != check.rec.output;
    if (!outputOnly || m_sim.timing.checkUpdateInterval == 0) {
        if (check.deferTimer)
            check.deferTimer->stop();
        m_store->ensureCheck(check.rec);
        return;
    }
    // Output-only change: Consul's agent writes it back after check_update_interval/2 plus up to one more
    // interval of random stagger, so chatty checks do not flood the servers.
    if (!check.deferTimer) {
        check.deferTimer = new QTimer(this);
        check.deferTimer->setSingleShot(true);
        const std::string id = check.rec.checkId;
        connect(check.deferTimer, &QTimer::timeout, this, [this, id] {
            const auto it = m_checks.find(id);
            if (it != m_checks.end())
                m_store->ensureCheck(it->second.rec);
        });
    }
    if (!check.deferTimer->isActive()) {
        const Nanos d = m_sim.timing.checkUpdateInterval;
        const Nanos wait = d / 2 + Nanos(QRandomGenerator::global()->bounded(double(d)));
        check.deferTimer->start(toMs(wait));
    }
}

std::vector<CheckRec> Agent::localChecks() const
{
    std::vector<CheckRec> out;
    for (const auto &[id, c] : m_checks) {
        CheckRec rec = c.rec;
        if (!rec.serviceId.empty()) {
            if (const ServiceRec *svc = m_store->service(m_node, rec.serviceId)) {
                rec.serviceName = svc->name;
                rec.serviceTags = svc->tags;
            }
        }
        out.push_back(std::move(rec));
    }
    return out;
}

bool Agent::hasCheck(const std::string &checkId) const
{
    return m_checks.count(checkId) > 0;
}

Agent::UpdateResult Agent::updateTtl(const std::string &checkId, const std::string &status, const std::string &output)
{
    const auto it = m_checks.find(checkId);
    if (it == m_checks.end())
        return UpdateResult::UnknownCheck;
    if (it->second.kind != Kind::Ttl)
        return UpdateResult::NotTtl;
    if (status != "passing" && status != "warning" && status != "critical")
        return UpdateResult::InvalidStatus;
    LocalCheck &check = it->second;
    setLocal(check, status, truncateOutput(output));
    if (m_alive && check.ttlTimer)
        check.ttlTimer->start(toMs(check.ttl));
    return UpdateResult::Ok;
}

bool Agent::inNodeMaintenance() const
{
    return m_checks.count(kNodeMaint) > 0;
}

void Agent::setNodeMaintenance(bool enable, const std::string &reason)
{
    if (enable) {
        if (m_checks.count(kNodeMaint))
            return; // already on: the first reason stays, as in Consul
        LocalCheck check;
        check.kind = Kind::Maintenance;
        check.rec.node = m_node;
        check.rec.checkId = kNodeMaint;
        check.rec.name = "Node Maintenance Mode";
        check.rec.status = "critical";
        check.rec.notes = reason.empty() ? kNodeMaintReason : reason;
        auto [it, inserted] = m_checks.emplace(kNodeMaint, std::move(check));
        sync(it->second, true);
        m_blocking->pokeCatalog();
        qCInfo(lcSim) << "node" << m_node.c_str() << "entered maintenance";
        return;
    }
    if (!m_checks.count(kNodeMaint))
        return;
    removeLocalCheck(kNodeMaint);
    qCInfo(lcSim) << "node" << m_node.c_str() << "left maintenance";
}

bool Agent::setServiceMaintenance(const std::string &serviceId, bool enable, const std::string &reason)
{
    const ServiceRec *svc = m_store->service(m_node, serviceId);
    if (!svc)
        return false;
    const std::string checkId = kServiceMaintPrefix + serviceId;
    if (enable) {
        if (m_checks.count(checkId))
            return true;
        LocalCheck check;
        check.kind = Kind::Maintenance;
        check.rec.node = m_node;
        check.rec.checkId = checkId;
        check.rec.name = "Service Maintenance Mode";
        check.rec.status = "critical";
        check.rec.notes = reason.empty() ? kServiceMaintReason : reason;
        check.rec.serviceId = serviceId;
        check.rec.serviceName = svc->name;
        check.rec.serviceTags = svc->tags;
        auto [it, inserted] = m_checks.emplace(checkId, std::move(check));
        sync(it->second, true);
        m_blocking->pokeCatalog();
        return true;
    }
    if (m_checks.count(checkId))
        removeLocalCheck(checkId);
    return true;
}

void Agent::removeLocalCheck(const std::string &checkId)
{
    const auto it = m_checks.find(checkId);
    if (it == m_checks.end())
        return;
    stopRunners(it->second);
    delete it->second.ttlTimer;
    delete it->second.pollTimer;
    delete it->second.deferTimer;
    m_checks.erase(it);
    m_store->deleteCheck(m_node, checkId);
    m_blocking->pokeCatalog();
}

void Agent::kill()
{
    if (!m_alive)
        return;
    m_alive = false;
    for (auto &[id, c] : m_checks)
        stopRunners(c);
    setSerf(false);
    qCInfo(lcSim) << "node" << m_node.c_str() << "killed";
}

void Agent::revive()
{
    if (m_alive)
        return;
    m_alive = true;
    setSerf(true);
    for (auto &[id, c] : m_checks)
        startRunners(c, false);
    qCInfo(lcSim) << "node" << m_node.c_str() << "revived";
}

Agent::UpdateResult Agent::forceCheck(
    const std::string &checkId, const std::string &status, const std::optional<std::string> &output)
{
    if (status != "passing" && status != "warning" && status != "critical")
        return UpdateResult::InvalidStatus;
    const auto it = m_checks.find(checkId);
    if (it == m_checks.end()) {
        // serfHealth and other catalog-only checks are set directly.
        const CheckRec *existing = m_store->check(m_node, checkId);
        if (!existing)
            return UpdateResult::UnknownCheck;
        CheckRec rec = *existing;
        rec.status = status;
        if (output)
            rec.output = *output;
        m_store->ensureCheck(rec);
        return UpdateResult::Ok;
    }
    LocalCheck &check = it->second;
    check.rec.status = status;
    if (output)
        check.rec.output = *output;
    sync(check, true);
    if (check.kind == Kind::Ttl && m_alive && check.ttlTimer)
        check.ttlTimer->start(toMs(check.ttl));
    m_blocking->pokeCatalog();
    return UpdateResult::Ok;
}

} // namespace Baton::ConsulSim
