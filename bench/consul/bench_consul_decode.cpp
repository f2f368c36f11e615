// Decoding /v1/health/service with thousands of instances: nlohmann/json (what Baton uses, through
// parseJsonBounded and the typed decoders) beside QJsonDocument in the same run, plus the uint64 precision
// check that decided the choice. Prints figures; never fails on time.
#include "core/base/boundedjson.h"
#include "core/consul/consuldecode.h"
#include "core/consul/consuldigest.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Baton;
using nlohmann::json;

namespace {

// One instance shaped like current Consul CE output (tests/data/consul-samples/health-service-ce-full-shape.json):
// node with tagged addresses and meta, the service with weights and proxy, serfHealth, the service's own check,
// and node maintenance on every 50th node.
json instance(int i)
{
    const std::string node = "web-" + std::to_string(i);
    const std::string addr
        = "10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
    json checks = json::array();
    checks.push_back({ { "Node", node }, { "CheckID", "serfHealth" }, { "Name", "Serf Health Status" },
        { "Status", "passing" }, { "Notes", "" }, { "Output", "Agent alive and reachable" }, { "ServiceID", "" },
        { "ServiceName", "" }, { "ServiceTags", json::array() }, { "Type", "" }, { "Interval", "" }, { "Timeout", "" },
        { "ExposedPort", 0 }, { "Definition", json::object() }, { "CreateIndex", 11 + i }, { "ModifyIndex", 11 + i } });
    checks.push_back({ { "Node", node }, { "CheckID", "service:web" }, { "Name", "Service 'web' check" },
        { "Status", i % 97 == 0 ? "critical" : "passing" }, { "Notes", "" },
        { "Output", "HTTP GET http://" + addr + ":8080/health: 200 OK Output: ok" }, { "ServiceID", "web" },
        { "ServiceName", "web" }, { "ServiceTags", { "blue", "v2" } }, { "Type", "http" }, { "Interval", "10s" },
        { "Timeout", "2s" }, { "ExposedPort", 0 }, { "Definition", json::object() }, { "CreateIndex", 20 + i },
        { "ModifyIndex", 25 + i } });
    if (i % 50 == 0) {
        checks.push_back({ { "Node", node }, { "CheckID", "_node_maintenance" }, { "Name", "Node Maintenance Mode" },
            { "Status", "critical" }, { "Notes", "baton job 7 by alice: upgrade nginx" }, { "Output", "" },
            { "ServiceID", "" }, { "ServiceName", "" }, { "ServiceTags", json::array() }, { "Type", "" },
            { "Interval", "" }, { "Timeout", "" }, { "ExposedPort", 0 }, { "Definition", json::object() },
            { "CreateIndex", 31 + i }, { "ModifyIndex", 31 + i } });
    }
    return {
        { "Node",
            { { "ID", "40e4a748-2192-161a-0510-" + std::to_string(100000000000 + i) }, { "Node", node },
                { "Address", addr }, { "Datacenter", "dc1" },
                { "TaggedAddresses", { { "lan", addr }, { "lan_ipv4", addr }, { "wan", addr }, { "wan_ipv4", addr } } },
                { "Meta",
                    { { "consul-network-segment", "" }, { "baton_consul_http_addr", "http://" + addr + ":8500" } } },
                { "CreateIndex", 11 + i }, { "ModifyIndex", 13 + i } } },
        { "Service",
            { { "ID", "web" }, { "Service", "web" }, { "Tags", { "blue", "v2" } }, { "Address", "" },
                { "Meta", { { "version", "1.2.3" } } }, { "Port", 8080 },
                { "Weights", { { "Passing", 1 }, { "Warning", 1 } } }, { "EnableTagOverride", false },
                { "Proxy", { { "Mode", "" }, { "MeshGateway", json::object() }, { "Expose", json::object() } } },
                { "Connect", json::object() }, { "PeerName", "" }, { "CreateIndex", 20 + i },
                { "ModifyIndex", 20 + i } } },
        { "Checks", checks },
    };
}

QByteArray healthBody(int instances)
{
    json arr = json::array();
    for (int i = 0; i < instances; ++i)
        arr.push_back(instance(i));
    const std::string s = arr.dump();
    return QByteArray(s.data(), qsizetype(s.size()));
}

// The same typed result filled from QJsonDocument, field for field, so the comparison is like for like.
QString str(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1StringView(key)).toString();
}

QStringList strings(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &x : v.toArray())
        out << x.toString();
    return out;
}

Consul::StringMap stringMap(const QJsonValue &v)
{
    Consul::StringMap out;
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it)
        out.insert(it.key(), it.value().toString());
    return out;
}

QList<Consul::ServiceHealth> decodeWithQt(const QJsonDocument &doc)
{
    QList<Consul::ServiceHealth> out;
    const QJsonArray arr = doc.array();
    out.reserve(arr.size());
    for (const QJsonValue &ev : arr) {
        const QJsonObject e = ev.toObject();
        Consul::ServiceHealth h;
        const QJsonObject n = e.value(QLatin1StringView("Node")).toObject();
        h.node.id = str(n, "ID");
        h.node.name = str(n, "Node");
        h.node.address = str(n, "Address");
        h.node.datacenter = str(n, "Datacenter");
        h.node.taggedAddresses = stringMap(n.value(QLatin1StringView("TaggedAddresses")));
        h.node.meta = stringMap(n.value(QLatin1StringView("Meta")));
        h.node.createIndex = quint64(n.value(QLatin1StringView("CreateIndex")).toInteger());
        h.node.modifyIndex = quint64(n.value(QLatin1StringView("ModifyIndex")).toInteger());
        const QJsonObject s = e.value(QLatin1StringView("Service")).toObject();
        h.service.id = str(s, "ID");
        h.service.name = str(s, "Service");
        h.service.tags = strings(s.value(QLatin1StringView("Tags")));
        h.service.meta = stringMap(s.value(QLatin1StringView("Meta")));
        h.service.address = str(s, "Address");
        h.service.port = s.value(QLatin1StringView("Port")).toInt();
        const QJsonObject w = s.value(QLatin1StringView("Weights")).toObject();
        h.service.weightPassing = w.value(QLatin1StringView("Passing")).toInt(1);
        h.service.weightWarning = w.value(QLatin1StringView("Warning")).toInt(1);
        h.service.createIndex = quint64(s.value(QLatin1StringView("CreateIndex")).toInteger());
        h.service.modifyIndex = quint64(s.value(QLatin1StringView("ModifyIndex")).toInteger());
        for (const QJsonValue &cv : e.value(QLatin1StringView("Checks")).toArray()) {
            const QJsonObject c = cv.toObject();
            Consul::HealthCheck k;
            k.node = str(c, "Node");
            k.checkId = str(c, "CheckID");
            k.name = str(c, "Name");
            k.statusText = str(c, "Status");
            k.status = Consul::checkStatusFromWire(k.statusText);
            k.notes = str(c, "Notes");
            k.output = str(c, "Output");
            k.serviceId = str(c, "ServiceID");
            k.serviceName = str(c, "ServiceName");
            k.serviceTags = strings(c.value(QLatin1StringView("ServiceTags")));
            k.type = str(c, "Type");
            k.interval = str(c, "Interval");
            k.timeout = str(c, "Timeout");
            k.createIndex = quint64(c.value(QLatin1StringView("CreateIndex")).toInteger());
            k.modifyIndex = quint64(c.value(QLatin1StringView("ModifyIndex")).toInteger());
            h.checks << k;
        }
        out << h;
    }
    return out;
}

struct Stats
{
    double median = 0;
    double p95 = 0;
    double min = 0;
};

Stats stats(std::vector<double> ms)
{
    std::sort(ms.begin(), ms.end());
    Stats s;
    s.median = ms[ms.size() / 2];
    s.p95 = ms[std::min(ms.size() - 1, size_t(double(ms.size()) * 0.95))];
    s.min = ms.front();
    return s;
}

// Runs the variants round-robin (one warm-up round first), so a machine whose load changes during the run
// slows every variant alike and the ratios stay meaningful.
std::vector<Stats> measureRoundRobin(int runs, const std::vector<std::function<void()>> &variants)
{
    std::vector<std::vector<double>> ms(variants.size());
    for (int round = -1; round < runs; ++round) {
        for (size_t v = 0; v < variants.size(); ++v) {
            QElapsedTimer t;
            t.start();
            variants[v]();
            if (round >= 0)
                ms[v].push_back(double(t.nsecsElapsed()) / 1e6);
        }
    }
    std::vector<Stats> out;
    for (auto &m : ms)
        out.push_back(stats(std::move(m)));
    return out;
}

volatile std::size_t g_sink = 0; // keeps the optimiser from dropping the work

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bench_consul_decode"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATON_VERSION_STRING));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Times decoding a /v1/health/service body: nlohmann/json (Baton) beside QJsonDocument."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption instancesOpt(QStringLiteral("instances"), QStringLiteral("Instances in the body."),
        QStringLiteral("n"), QStringLiteral("5000"));
    const QCommandLineOption runsOpt(
        QStringLiteral("runs"), QStringLiteral("Timed runs per variant."), QStringLiteral("n"), QStringLiteral("15"));
    parser.addOption(instancesOpt);
    parser.addOption(runsOpt);
    parser.process(app);
    bool ok1 = false;
    bool ok2 = false;
    const int instances = parser.value(instancesOpt).toInt(&ok1);
    const int runs = parser.value(runsOpt).toInt(&ok2);
    if (!ok1 || !ok2 || instances < 1 || instances > 1000000 || runs < 1 || runs > 10000) {
        std::fprintf(stderr, "bench_consul_decode: --instances must be 1..1000000 and --runs 1..10000\n");
        return 2;
    }

    const QByteArray body = healthBody(instances);
    const double mb = double(body.size()) / (1024.0 * 1024.0);
    std::printf(
        "body: /v1/health/service/web with %d instances, %.2f MiB, %d runs per variant\n\n", instances, mb, runs);

    struct Row
    {
        const char *name;
        Stats stats;
    };
    const std::vector<const char *> names = { "nlohmann parse (parseJsonBounded)", "nlohmann parse + typed decode",
        "nlohmann parse + decode + digest", "QJsonDocument parse", "QJsonDocument parse + typed decode" };
    const std::vector<Stats> measured = measureRoundRobin(runs,
        {
            [&] {
                auto doc = parseJsonBounded(body, JsonLimits::consulDefault());
                g_sink = g_sink + doc->size();
            },
            [&] {
                auto doc = ConsulDecode::parse(body);
                auto list = ConsulDecode::healthService(*doc);
                g_sink = g_sink + std::size_t(list->size());
            },
            [&] {
                auto doc = ConsulDecode::parse(body);
                auto list = ConsulDecode::healthService(*doc);
                g_sink = g_sink + std::size_t(list->size()) + std::size_t(ConsulDigest::of(*doc).a);
            },
            [&] {
                const QJsonDocument doc = QJsonDocument::fromJson(body);
                g_sink = g_sink + std::size_t(doc.array().size());
            },
            [&] {
                const QJsonDocument doc = QJsonDocument::fromJson(body);
                g_sink = g_sink + std::size_t(decodeWithQt(doc).size());
            },
        });
    std::vector<Row> rows;
    for (size_t i = 0; i < names.size(); ++i)
        rows.push_back({ names[i], measured[i] });

    std::printf("%-38s %10s %10s %10s %10s\n", "variant", "median ms", "p95 ms", "min ms", "MiB/s");
    for (const Row &r : rows)
        std::printf("%-38s %10.1f %10.1f %10.1f %10.1f\n", r.name, r.stats.median, r.stats.p95, r.stats.min,
            mb / (r.stats.median / 1000.0));
    std::printf(
        "\nratio nlohmann/QJsonDocument, parse only:          %.2f\n", rows[0].stats.median / rows[3].stats.median);
    std::printf(
        "ratio nlohmann/QJsonDocument, parse + typed decode: %.2f\n", rows[1].stats.median / rows[4].stats.median);

    // Same answer from both? Compare the decoded lists.
    const auto viaNlohmann = ConsulDecode::healthService(*ConsulDecode::parse(body));
    const auto viaQt = decodeWithQt(QJsonDocument::fromJson(body));
    std::printf("typed results equal: %s\n\n", viaNlohmann && *viaNlohmann == viaQt ? "yes" : "NO");

    // The reason Baton does not use QJsonDocument for Consul: KV flags above 2^63.
    const QByteArray kv = "[{\"Key\":\"baton/services/web/slots/.lock\",\"Flags\":16210313421097356768,"
                          "\"ModifyIndex\":9007199254740993}]";
    const auto viaN = ConsulDecode::kvEntries(*ConsulDecode::parse(kv));
    const QJsonObject q = QJsonDocument::fromJson(kv).array().first().toObject();
    const QJsonValue qFlags = q.value(QLatin1StringView("Flags"));
    const quint64 qFlagsAsUInt = quint64(qFlags.toDouble());
    std::printf("uint64 precision (semaphore flag %llu, index 2^53+1 = 9007199254740993):\n",
        static_cast<unsigned long long>(Consul::kSemaphoreFlag));
    std::printf("  nlohmann:      Flags %llu (%s), ModifyIndex %llu\n",
        static_cast<unsigned long long>(viaN->first().flags),
        viaN->first().flags == Consul::kSemaphoreFlag ? "exact" : "WRONG",
        static_cast<unsigned long long>(viaN->first().modifyIndex));
    std::printf("  QJsonDocument: Flags is a double %.17g -> %llu (%s); toInteger() gives %lld; ModifyIndex %lld\n",
        qFlags.toDouble(), static_cast<unsigned long long>(qFlagsAsUInt),
        qFlagsAsUInt == Consul::kSemaphoreFlag ? "exact" : "rounded, wrong flag",
        static_cast<long long>(qFlags.toInteger(-1)),
        static_cast<long long>(q.value(QLatin1StringView("ModifyIndex")).toInteger()));
    std::printf("  (QJsonValue keeps integers exactly up to 2^63; the semaphore flag is above that and becomes a "
                "double)\n");
    return 0;
}
