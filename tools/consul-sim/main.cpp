// consul-sim: a Consul-API-compatible datacenter in one process, for tests and the demo.
// See docs/consul-sim.md for the config file, the ready file and the /_sim/ fault controls.

#include "tools/consul-sim/simconfig.h"
#include "tools/consul-sim/simlogging.h"
#include "tools/consul-sim/simulator.h"

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QFile>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QSocketNotifier>

using namespace Baton::ConsulSim;

namespace {

const char *const kUsage = "Usage: consul-sim --config FILE [--ready-file PATH] [--verbose]\n"
                           "\n"
                           "Simulates a Consul datacenter: every node in FILE gets its own agent HTTP address serving\n"
                           "Consul's HTTP API; catalog, health, KV, sessions and their indexes are shared.\n"
                           "\n"
                           "Options:\n"
                           "  --config FILE       the datacenter (JSON; see docs/consul-sim.md)\n"
                           "  --ready-file PATH   once every address listens, write {\"nodes\": {name: url, ...},\n"
                           "                      \"control\": url, ...} there atomically\n"
                           "  --verbose           log every request (tokens redacted)\n"
                           "  -h, --help          show this help\n"
                           "  -v, --version       show the version\n"
                           "\n"
                           "SIGTERM or SIGINT shuts it down cleanly (exit 0).\n";

int g_signalPipe[2] = { -1, -1 };

void onSignal(int)
{
    const char c = 1;
    // Only async-signal-safe work here: the event loop picks the byte up.
    [[maybe_unused]] const auto written = ::write(g_signalPipe[1], &c, 1);
}

int fail(const QString &message, int code = 1)
{
    std::fprintf(stderr, "consul-sim: %s\n", qPrintable(message));
    return code;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("consul-sim"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATON_VERSION_STRING));

    QString configPath;
    QString readyPath;
    bool verbose = false;
    const QStringList args = QCoreApplication::arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        auto value = [&](const QString &name, QString *out) -> bool {
            if (a.startsWith(name + QLatin1Char('='))) {
                *out = a.mid(name.size() + 1);
                return true;
            }
            if (i + 1 >= args.size())
                return false;
            *out = args[++i];
            return true;
        };
        if (a == QLatin1String("-h") || a == QLatin1String("--help")) {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (a == QLatin1String("-v") || a == QLatin1String("--version")) {
            std::printf("consul-sim %s (simulates Consul's HTTP API)\n", BATON_VERSION_STRING);
            return 0;
        }
        if (a == QLatin1String("--verbose")) {
            verbose = true;
        } else if (a == QLatin1String("--config") || a.startsWith(QLatin1String("--config="))) {
            if (!value(QStringLiteral("--config"), &configPath) || configPath.isEmpty())
                return fail(QStringLiteral("--config needs a FILE (see --help)"), 2);
        } else if (a == QLatin1String("--ready-file") || a.startsWith(QLatin1String("--ready-file="))) {
            if (!value(QStringLiteral("--ready-file"), &readyPath) || readyPath.isEmpty())
                return fail(QStringLiteral("--ready-file needs a PATH (see --help)"), 2);
        } else {
            return fail(QStringLiteral("unknown argument \"%1\" (see --help)").arg(a), 2);
        }
    }
    if (configPath.isEmpty())
        return fail(QStringLiteral("--config FILE is required (see --help)"), 2);
    if (verbose)
        QLoggingCategory::setFilterRules(QStringLiteral("baton.consulsim.debug=true"));

    QFile file(configPath);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read config %1: %2").arg(configPath, file.errorString()));
    if (file.size() > 16 * 1024 * 1024)
        return fail(QStringLiteral("config %1 is larger than 16 MiB").arg(configPath));
    const QByteArray bytes = file.readAll();
    auto config = parseSimConfig(bytes);
    if (!config)
        return fail(QStringLiteral("invalid config %1: %2").arg(configPath, config.error().message));

    // A stale ready file from an earlier run must not be mistaken for this one.
    if (!readyPath.isEmpty())
        QFile::remove(readyPath);

    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) != 0)
        return fail(QStringLiteral("cannot create the signal pipe"));
    QSocketNotifier notifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
        char c;
        [[maybe_unused]] const auto got = ::read(g_signalPipe[0], &c, 1);
        qCInfo(lcSim) << "shutting down";
        QCoreApplication::quit();
    });
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    Simulator sim(std::move(*config));
    QString error;
    if (!sim.start(&error))
        return fail(error);

    if (!readyPath.isEmpty()) {
        QSaveFile ready(readyPath);
        if (!ready.open(QIODevice::WriteOnly) || ready.write(sim.readyDocument()) < 0 || !ready.commit())
            return fail(QStringLiteral("cannot write ready file %1: %2").arg(readyPath, ready.errorString()));
    }
    qCInfo(lcSim).noquote() << "ready:" << QString::fromUtf8(sim.readyDocument()).simplified();

    const int rc = app.exec();
    if (!readyPath.isEmpty())
        QFile::remove(readyPath);
    return rc;
}
