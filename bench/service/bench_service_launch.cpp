// Launch-to-first-runner latency of the job service: from sending POST /v1/jobs to the runner process
// starting, with start jitter 0 (so jitter is excluded), on SQLite and on PostgreSQL. The runner is a stub
// program that records when it started and exits, so ansible-playbook's own start-up is not in the figure.
// Also prints the POST round trip (validation, Consul resolution, commit, 201). Needs consul-sim.

#include "../../tests/service/pgcluster.h"
#include "support/consulsimfixture.h"
#include "support/servicefixture.h"

#include <cstdio>

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QThread>

using namespace Baton::Test;

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double pct(std::vector<double> v, double p)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

struct Figures
{
    double launchP50 = -1, launchP95 = -1, postP50 = -1, postP95 = -1;
};

Figures run(const QString &label, const QString &db, const ConsulSimFixture &sim, const QString &stub,
    const QString &starts, int n)
{
    QFile::remove(starts);
    ServiceFixture svc;
    ServiceFixture::Options o;
    o.consul = sim.anyUrl().toString();
    QTemporaryDir playbooks;
    QFile pb(playbooks.path() + QStringLiteral("/stub.yml"));
    (void)pb.open(QIODevice::WriteOnly);
    pb.write("- hosts: all\n  tasks: []\n");
    pb.close();
    o.playbooks = playbooks.path();
    o.db = db;
    o.extraArgs
        = { QStringLiteral("--start-jitter-ms"), QStringLiteral("0"), QStringLiteral("--ansible-playbook"), stub };
    if (!svc.start(o)) {
        std::printf("%s: %s\n", qPrintable(label), qPrintable(svc.errorString()));
        return {};
    }
    std::vector<double> launch, post;
    for (int i = 1; i <= n; ++i) {
        const qint64 t0 = nowNs();
        const auto r = svc.request("POST", QStringLiteral("/v1/jobs"),
            R"({"playbook": "stub.yml", "target": {"nodes": ["web-1"], "service": "web"}})");
        const qint64 t1 = nowNs();
        if (r.status != 201) {
            std::printf("%s: launch answered %d\n", qPrintable(label), r.status);
            break;
        }
        post.push_back(double(t1 - t0) / 1e6);
        QElapsedTimer t;
        t.start();
        QList<QByteArray> lines;
        while (t.elapsed() < 10000) {
            QFile f(starts);
            if (f.open(QIODevice::ReadOnly))
                lines = f.readAll().trimmed().split('\n');
            if (lines.size() >= i && !lines.first().isEmpty())
                break;
            QThread::usleep(200);
        }
        if (lines.size() < i)
            break;
        launch.push_back(double(lines[i - 1].toLongLong() - t0) / 1e6);
        svc.waitForJob(r.json()["id"].get<qint64>(), 10000);
    }
    Figures f { pct(launch, 0.5), pct(launch, 0.95), pct(post, 0.5), pct(post, 0.95) };
    std::printf(
        "%-11s launches %3zu  launch→runner start p50 %6.1f ms  p95 %6.1f ms   POST→201 p50 %6.1f ms  p95 %6.1f ms\n",
        qPrintable(label), launch.size(), f.launchP50, f.launchP95, f.postP50, f.postP95);
    std::fflush(stdout);
    return f;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int n = argc > 1 ? std::max(3, atoi(argv[1])) : 30;
    QTemporaryDir dir;
    const QString starts = dir.path() + QStringLiteral("/starts");
    const QString stub = dir.path() + QStringLiteral("/stub-runner");
    {
        QFile f(stub);
        (void)f.open(QIODevice::WriteOnly);
        f.write("#!/bin/sh\ndate +%s%N >> \"$BATON_BENCH_STARTS\"\nexit 0\n");
        f.close();
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    }
    qputenv("BATON_BENCH_STARTS", starts.toUtf8());
    ConsulSimFixture sim;
    nlohmann::json cfg = { { "datacenter", "dc1" },
        { "nodes",
            nlohmann::json::array({ ConsulSimFixture::node(QStringLiteral("web-1"),
                nlohmann::json::array(
                    { ConsulSimFixture::service(QStringLiteral("web"), QStringLiteral("web"), 80) })) }) } };
    if (!sim.start(cfg)) {
        std::printf("consul-sim: %s\n", qPrintable(sim.errorString()));
        return 1;
    }
    const Figures s = run(QStringLiteral("sqlite"), QString(), sim, stub, starts, n);
    PgCluster pg;
    if (!PgCluster::available() || !pg.start()) {
        std::printf("postgresql: skipped (%s)\n", qPrintable(pg.errorString()));
        return 0;
    }
    const Figures p = run(QStringLiteral("postgresql"), pg.url(), sim, stub, starts, n);
    if (s.launchP50 > 0 && p.launchP50 > 0)
        std::printf("postgresql / sqlite: launch→runner p50 ×%.2f, POST→201 p50 ×%.2f\n", p.launchP50 / s.launchP50,
            p.postP50 / s.postP50);
    return 0;
}
