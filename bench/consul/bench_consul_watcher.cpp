// Watcher hygiene: requests per minute a ConsulWatcher makes against servers that behave (hold the wait) and
// that misbehave (answer at once with a changing, backwards, zero, missing or unchanged index, real churn,
// errors). Simulated hours run on a manual clock against tests/support's fake server over real HTTP; a short
// real-time run checks the system clock path, and a naive long-poll loop without the rules is the baseline.
// Prints figures; never fails on time.
#include "core/consul/consulclient.h"
#include "core/consul/consulwatcher.h"
#include "support/consulsimfixture.h"
#include "support/fakeconsulserver.h"
#include "support/manualclock.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFileInfo>

using namespace Baton;
using Fake = FakeConsulServer;

namespace {

constexpr qint64 kMinute = 60 * 1000;

int maxPerMinute(const QList<Fake::Request> &requests)
{
    int best = 0;
    for (qsizetype i = 0; i < requests.size(); ++i) {
        int n = 0;
        for (qsizetype j = i; j < requests.size() && requests[j].atMs < requests[i].atMs + kMinute; ++j)
            ++n;
        best = std::max(best, n);
    }
    return best;
}

struct Scenario
{
    const char *name;
    std::function<void(Fake &)> setup;
    qint64 waitMs = 5 * kMinute;
};

void runSimulated(const Scenario &s, qint64 minutes)
{
    ManualClock clock;
    Fake server(&clock);
    if (!server.listen()) {
        std::fprintf(stderr, "cannot listen on 127.0.0.1\n");
        std::exit(1);
    }
    server.setContent(10, "[{\"Node\":\"web-1\",\"Address\":\"10.0.0.1\"}]");
    s.setup(server);
    ConsulConfig config;
    config.address = server.url();
    ConsulClient client(config);
    ConsulWatchOptions options;
    options.waitMs = s.waitMs;
    options.clock = &clock;
    options.seed = 7;
    std::unique_ptr<ConsulWatch<QList<Consul::Node>>> w(ConsulWatches::catalogNodes(&client, options));
    QElapsedTimer real;
    real.start();
    w->start();
    const bool settled = clock.runUntil(clock.nowMs() + minutes * kMinute - 1, [&] {
        return w->state() == ConsulWatcher::State::Waiting
            || (w->state() == ConsulWatcher::State::Fetching && server.heldCount() > 0);
    });
    const double perMin = double(server.requestCount()) / double(minutes);
    const double perWait = double(server.requestCount()) / (double(minutes * kMinute) / double(s.waitMs));
    std::printf("%-34s %6lld %8.2f %9d %9.2f %8lld %7lld %8lld %8.0f%s\n", s.name, static_cast<long long>(minutes),
        perMin, maxPerMinute(server.requests()), perWait, static_cast<long long>(w->changeCount()),
        static_cast<long long>(w->resetCount()), static_cast<long long>(w->consecutiveErrors()), double(real.elapsed()),
        settled ? "" : "  (did not settle)");
}

// What a loop without the rules does: send the returned index straight back, no bucket, no clamp.
void naiveBaseline(qint64 realMs)
{
    Fake server;
    if (!server.listen())
        std::exit(1);
    server.setMode(Fake::Mode::ImmediateChangingIndex);
    ConsulConfig config;
    config.address = server.url();
    ConsulClient client(config);
    QObject context;
    quint64 index = 0;
    std::function<void()> next = [&] {
        Consul::QueryOptions o;
        o.index = index;
        o.waitMs = 5 * kMinute;
        client.catalogNodes(o, &context, [&](ConsulReply<QList<Consul::Node>> r) {
            index = r.meta.index;
            next();
        });
    };
    next();
    QDeadlineTimer deadline(realMs);
    while (!deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const double perMin = double(server.requestCount()) * 60000.0 / double(realMs);
    std::printf("naive loop vs changing index: %d requests in %lld ms real time = %.0f requests/min\n",
        server.requestCount(), static_cast<long long>(realMs), perMin);
}

void realTimeIdle(qint64 waitMs, qint64 realMs)
{
    Fake server; // system clock: the server really holds each query for its wait
    if (!server.listen())
        std::exit(1);
    server.setContent(10, "[{\"Node\":\"web-1\"}]");
    ConsulConfig config;
    config.address = server.url();
    ConsulClient client(config);
    ConsulWatchOptions options;
    options.waitMs = waitMs;
    options.refillMs = waitMs; // let the bucket keep up with a short demo wait
    std::unique_ptr<ConsulWatch<QList<Consul::Node>>> w(ConsulWatches::catalogNodes(&client, options));
    w->start();
    QDeadlineTimer deadline(realMs);
    while (!deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    std::printf(
        "real time, honest server, wait %lld ms, %lld ms: %d requests = %.2f per wait (1 plain fetch + blocking)\n",
        static_cast<long long>(waitMs), static_cast<long long>(realMs), server.requestCount(),
        double(server.requestCount()) / (double(realMs) / double(waitMs)));
}

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(double(v.size() - 1) * p + 0.5))];
}

template<typename T> bool waitFor(const std::optional<T> &slot, int ms)
{
    QDeadlineTimer deadline(ms);
    while (!slot.has_value() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
    return slot.has_value();
}

// Wake-up latency of a blocking read against consul-sim: from sending a KV write to the blocked reader's
// callback, beside the round trip of a plain GET measured in the same run.
void wakeLatency(int samples)
{
    if (qEnvironmentVariableIsEmpty("BATON_BIN_DIR"))
        qputenv("BATON_BIN_DIR", QCoreApplication::applicationDirPath().toLocal8Bit());
    if (!QFileInfo::exists(QString::fromLocal8Bit(qgetenv("BATON_BIN_DIR")) + QStringLiteral("/consul-sim"))) {
        std::printf("wake-up latency: skipped (no consul-sim next to this program; build the consul-sim target)\n");
        return;
    }
    Test::ConsulSimFixture sim;
    if (!sim.start({ { "nodes", nlohmann::json::array({ Test::ConsulSimFixture::node(QStringLiteral("a")) }) } })) {
        std::printf("wake-up latency: consul-sim did not start: %s\n", qPrintable(sim.errorString()));
        return;
    }
    ConsulConfig config;
    config.address = sim.agentUrl(QStringLiteral("a"));
    ConsulClient reader(config);
    ConsulClient writer(config);
    QObject context;
    std::vector<double> wake;
    std::vector<double> plain;
    for (int i = 0; i < samples; ++i) {
        std::optional<ConsulReply<std::optional<Consul::KvEntry>>> first;
        QElapsedTimer rt;
        rt.start();
        reader.kvGet(QStringLiteral("bench/wake"), {}, &context, [&](auto r) { first = std::move(r); });
        if (!waitFor(first, 5000))
            return;
        plain.push_back(double(rt.nsecsElapsed()) / 1e6);

        Consul::QueryOptions blocking;
        blocking.index = first->meta.index;
        blocking.waitMs = 60000;
        std::optional<ConsulReply<std::optional<Consul::KvEntry>>> woke;
        QElapsedTimer t;
        reader.kvGet(QStringLiteral("bench/wake"), blocking, &context, [&](auto r) {
            woke = std::move(r);
            wake.push_back(double(t.nsecsElapsed()) / 1e6);
        });
        // Let the query park before the write (20 ms of event loop).
        QDeadlineTimer park(20);
        while (!park.hasExpired())
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
        t.start();
        writer.kvPut(QStringLiteral("bench/wake"), QByteArray::number(i), {}, {}, &context, [](ConsulReply<bool>) {});
        if (!waitFor(woke, 30000)) {
            std::printf("wake-up latency: a blocked read did not wake within 30 s\n");
            return;
        }
    }
    std::printf("wake-up latency vs consul-sim, %d changes: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms "
                "(plain GET round trip p50 %.2f ms; ratio %.1f)\n",
        samples, percentile(wake, 0.5), percentile(wake, 0.95), percentile(wake, 0.99), percentile(wake, 1.0),
        percentile(plain, 0.5), percentile(wake, 0.5) / percentile(plain, 0.5));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bench_consul_watcher"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATON_VERSION_STRING));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Requests per minute of a ConsulWatcher against well-behaved "
                                                    "and misbehaving Consul servers."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption minutesOpt(QStringLiteral("minutes"), QStringLiteral("Simulated minutes per scenario."),
        QStringLiteral("n"), QStringLiteral("120"));
    const QCommandLineOption realOpt(QStringLiteral("real-ms"), QStringLiteral("Real-time runs' length in ms."),
        QStringLiteral("ms"), QStringLiteral("10000"));
    parser.addOption(minutesOpt);
    parser.addOption(realOpt);
    parser.process(app);
    bool ok1 = false;
    bool ok2 = false;
    const qint64 minutes = parser.value(minutesOpt).toLongLong(&ok1);
    const qint64 realMs = parser.value(realOpt).toLongLong(&ok2);
    if (!ok1 || !ok2 || minutes < 1 || minutes > 100000 || realMs < 1000 || realMs > 3600000) {
        std::fprintf(stderr, "bench_consul_watcher: --minutes must be 1..100000 and --real-ms 1000..3600000\n");
        return 2;
    }

    const QList<Scenario> scenarios = {
        { "idle, server holds wait=5m", [](Fake &) {}, 5 * kMinute },
        { "idle, server holds wait=1m", [](Fake &) {}, 1 * kMinute },
        { "idle, server holds wait=10m", [](Fake &) {}, 10 * kMinute },
        { "immediate, changing index", [](Fake &f) { f.setMode(Fake::Mode::ImmediateChangingIndex); } },
        { "immediate, backwards index", [](Fake &f) { f.setMode(Fake::Mode::ImmediateBackwardsIndex); } },
        { "immediate, zero index", [](Fake &f) { f.setMode(Fake::Mode::ImmediateZeroIndex); } },
        { "immediate, same index", [](Fake &f) { f.setMode(Fake::Mode::ImmediateSameIndex); } },
        { "immediate, no index header", [](Fake &f) { f.setMode(Fake::Mode::ImmediateNoIndex); } },
        { "immediate, content churn", [](Fake &f) { f.setMode(Fake::Mode::ImmediateChurn); } },
        { "always 500 (errors)",
            [](Fake &f) {
                f.setHandler([](const Fake::Request &) { return Fake::Response::text(500, "No cluster leader"); });
            } },
    };
    std::printf("simulated time (manual clock), real HTTP to 127.0.0.1; targets: <= 1 request per wait idle, <= 6/min "
                "misbehaving\n\n");
    std::printf("%-34s %6s %8s %9s %9s %8s %7s %8s %8s\n", "scenario", "min", "req/min", "max/60s", "req/wait",
        "changes", "resets", "errors", "real ms");
    for (const Scenario &s : scenarios)
        runSimulated(s, minutes);
    std::printf("\n");
    realTimeIdle(2000, realMs);
    naiveBaseline(std::min<qint64>(realMs, 3000));
    wakeLatency(200);
    return 0;
}
