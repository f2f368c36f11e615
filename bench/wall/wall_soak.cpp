// Soak harness of the wall display: an event stream feeds TimelineJobs and a shown WallDisplay, with budgets
// refreshed every two seconds as the Consul watcher would. RSS, CPU and throughput are sampled; at the end the
// RSS growth per hour is estimated from the samples after the warm-up (the job list fills up to its linger
// time first).
//
// Sources:
//   --source sse     (default) a synthetic stream (rolling jobs one after another, with node states, tasks and
//                    log lines) at --rate events/s, published by an in-process fake job service over real HTTP
//                    and read back through the console's EventStream client (SSE framing, decoding, seq checks)
//   --source direct  the same stream handed to the models without the network
//   --url URL        a live job service: its event stream, with jobs fetched as they appear
//                    (--token-file FILE holds the bearer token); no synthetic events
//   QT_QPA_PLATFORM=offscreen wall_soak [--minutes 30] [--seconds N] [--rate 500] [--sample 10] [--warmup S]
//                                      [--csv FILE]
#include "core/base/timestamps.h"
#include "core/jobs/eventstream.h"
#include "core/jobs/jobserviceclient.h"
#include "models/timelinejobs.h"
#include "support/fakejobservice.h"
#include "support/timelinefixtures.h"
#include "wallbench.h"
#include "widgets/walldisplay.h"

#include <cstdio>
#include <deque>
#include <vector>

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QTextStream>
#include <QTimer>

using namespace Baton;

namespace {

// Rolling jobs one after the other, several at a time, interleaved; every event re-stamped with the real time
// it is delivered at, and one log line per state or task event (logs are most of a real stream).
class Stream
{
public:
    explicit Stream(int concurrent)
        : m_concurrent(concurrent)
    { }

    JobEvent next(qint64 now)
    {
        while (int(m_jobs.size()) < m_concurrent)
            startJob(now);
        auto &q = m_jobs[m_turn % m_jobs.size()];
        ++m_turn;
        JobEvent e = q.front();
        q.pop_front();
        if (q.empty())
            m_jobs.erase(m_jobs.begin() + std::ptrdiff_t((m_turn - 1) % (m_jobs.size())));
        e.atMs = now;
        e.seq = ++m_seq;
        if (e.job)
            e.job->createdAtMs = now;
        return e;
    }

    qint64 jobsStarted() const { return m_next - 1; }

private:
    void startJob(qint64 now)
    {
        TimelineFixtures::Rolling p;
        p.start = now;
        p.jobId = m_next++;
        p.nodesPerService = 16;
        p.services = QStringList { QStringLiteral("svc%1").arg(p.jobId % 9) };
        p.failEvery = p.jobId % 5 == 0 ? 6 : 0;
        p.seed = quint32(p.jobId);
        std::deque<JobEvent> q;
        for (const JobEvent &e : TimelineFixtures::rollingEvents(p)) {
            q.push_back(e);
            if (e.type == JobEvent::Type::NodeState || e.type == JobEvent::Type::NodeTask) {
                JobEvent log;
                log.type = JobEvent::Type::NodeLog;
                log.jobId = e.jobId;
                log.node = e.node;
                log.text = QStringLiteral("TASK [%1] ok: [%2]\n")
                               .arg(e.task.isEmpty() ? QStringLiteral("gate") : e.task, e.node);
                q.push_back(log);
            }
        }
        m_jobs.push_back(std::move(q));
    }

    int m_concurrent;
    std::vector<std::deque<JobEvent>> m_jobs;
    std::size_t m_turn = 0;
    qint64 m_next = 1;
    quint64 m_seq = 0;
};

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("wall_soak"));
    QApplication::setApplicationVersion(QStringLiteral(BATON_VERSION_STRING));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Soak the wall display with a synthetic event stream (prints figures)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({ QStringLiteral("minutes"), QStringLiteral("Duration in minutes."), QStringLiteral("n"),
        QStringLiteral("30") });
    parser.addOption({ QStringLiteral("seconds"), QStringLiteral("Duration in seconds (overrides --minutes)."),
        QStringLiteral("n") });
    parser.addOption(
        { QStringLiteral("rate"), QStringLiteral("Events per second."), QStringLiteral("n"), QStringLiteral("500") });
    parser.addOption({ QStringLiteral("sample"), QStringLiteral("Seconds between samples."), QStringLiteral("n"),
        QStringLiteral("10") });
    parser.addOption({ QStringLiteral("concurrent"), QStringLiteral("Jobs running at once."), QStringLiteral("n"),
        QStringLiteral("12") });
    parser.addOption(
        { QStringLiteral("csv"), QStringLiteral("Also write the samples to this CSV file."), QStringLiteral("file") });
    parser.addOption({ QStringLiteral("warmup"),
        QStringLiteral("Seconds left out of the growth estimate (default: half the run)."), QStringLiteral("s") });
    parser.addOption(
        { QStringLiteral("source"), QStringLiteral("sse or direct."), QStringLiteral("kind"), QStringLiteral("sse") });
    parser.addOption({ QStringLiteral("url"), QStringLiteral("A live job service to read events from instead."),
        QStringLiteral("url") });
    parser.addOption({ QStringLiteral("token-file"), QStringLiteral("File holding the bearer token for --url."),
        QStringLiteral("file") });
    parser.process(app);
    auto intOption = [&](const char *name, int lo, int hi, int *out) {
        bool ok = false;
        *out = parser.value(QLatin1StringView(name)).toInt(&ok);
        if (!ok || *out < lo || *out > hi) {
            std::fprintf(stderr, "wall_soak: --%s must be %d..%d\n", name, lo, hi);
            return false;
        }
        return true;
    };
    int minutes = 0, rate = 0, sample = 0, concurrent = 0, seconds = 0;
    if (!intOption("minutes", 1, 7 * 24 * 60, &minutes) || !intOption("rate", 1, 100'000, &rate)
        || !intOption("sample", 1, 3600, &sample) || !intOption("concurrent", 1, 200, &concurrent))
        return 2;
    if (parser.isSet(QStringLiteral("seconds"))) {
        if (!intOption("seconds", 5, 7 * 24 * 3600, &seconds))
            return 2;
    } else {
        seconds = minutes * 60;
    }
    int warmup = seconds / 2;
    if (parser.isSet(QStringLiteral("warmup")) && !intOption("warmup", 0, seconds - 1, &warmup))
        return 2;
    const QString source
        = parser.isSet(QStringLiteral("url")) ? QStringLiteral("url") : parser.value(QStringLiteral("source"));
    if (source != QStringLiteral("sse") && source != QStringLiteral("direct") && source != QStringLiteral("url")) {
        std::fprintf(stderr, "wall_soak: --source must be sse or direct\n");
        return 2;
    }
    QByteArray token;
    if (parser.isSet(QStringLiteral("token-file"))) {
        QFile f(parser.value(QStringLiteral("token-file")));
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(
                stderr, "wall_soak: cannot read %s: %s\n", qPrintable(f.fileName()), qPrintable(f.errorString()));
            return 1;
        }
        token = f.readAll().trimmed();
    }
    QFile csv;
    QTextStream csvOut;
    if (parser.isSet(QStringLiteral("csv"))) {
        csv.setFileName(parser.value(QStringLiteral("csv")));
        if (!csv.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
            std::fprintf(
                stderr, "wall_soak: cannot write %s: %s\n", qPrintable(csv.fileName()), qPrintable(csv.errorString()));
            return 1;
        }
        csvOut.setDevice(&csv);
        csvOut << "seconds,rss_kb,cpu_percent,events,jobs_shown,jobs_held,repaints\n";
    }

    TimelineJobs jobs;
    WallDisplay wall(&jobs);
    wall.resize(1920, 1080);
    wall.show();
    Stream stream(concurrent);

    // Network sources: the console's own client classes, the way the application wires them.
    Test::FakeJobService service;
    service.setReplayWindow(5000);
    EventStream events;
    JobServiceClient rest;
    qint64 lastEventAt = 0;
    if (source != QStringLiteral("direct")) {
        QUrl url;
        if (source == QStringLiteral("url")) {
            url = QUrl(parser.value(QStringLiteral("url")));
        } else {
            if (!service.listen()) {
                std::fprintf(stderr, "wall_soak: the fake job service cannot listen\n");
                return 1;
            }
            service.setHeartbeatIntervalMs(15000);
            url = service.url();
        }
        EventStream::Options o;
        o.baseUrl = url;
        o.token = token;
        if (const auto r = events.configure(o); !r) {
            std::fprintf(stderr, "wall_soak: %s\n", qPrintable(r.error().toString()));
            return 2;
        }
        JobServiceConfig rc;
        rc.baseUrl = url;
        rc.token = token;
        if (const auto r = rest.configure(rc); !r) {
            std::fprintf(stderr, "wall_soak: %s\n", qPrintable(r.error().toString()));
            return 2;
        }
        QObject::connect(&events, &EventStream::eventsReceived, &jobs, [&](const QList<JobEvent> &batch) {
            for (const JobEvent &e : batch)
                jobs.applyEvent(e);
            lastEventAt = Timestamps::nowMs();
            wall.setConnection(WallDisplay::Connection::Connected, lastEventAt);
        });
        QObject::connect(&events, &EventStream::stateChanged, &wall, [&](EventStream::State st) {
            wall.setConnection(st == EventStream::State::Live ? WallDisplay::Connection::Connected
                    : st == EventStream::State::Connecting    ? WallDisplay::Connection::Connecting
                                                              : WallDisplay::Connection::Disconnected,
                lastEventAt);
        });
        auto fetch = [&](qint64 id) {
            rest.job(id, &jobs, [&jobs](Result<Job> r) {
                if (r)
                    jobs.applyJob(*r);
            });
        };
        QObject::connect(&jobs, &TimelineJobs::jobUnknown, &jobs, fetch);
        QObject::connect(&events, &EventStream::resyncRequired, &jobs, [&](quint64, const QString &) {
            JobQuery q;
            q.states = { JobState::Queued, JobState::Running, JobState::Cancelling };
            rest.listJobs(q, &jobs, [&jobs](Result<JobPage> r) {
                if (r)
                    jobs.setJobs(r->jobs);
            });
        });
        events.start();
    }

    // Deliver the stream in 10 ms slices: rate/100 events per slice, carrying the fraction over.
    qint64 delivered = 0;
    double owed = 0;
    QTimer feed;
    feed.setTimerType(Qt::PreciseTimer);
    QElapsedTimer clock;
    clock.start();
    qint64 lastFeed = 0;
    QObject::connect(&feed, &QTimer::timeout, [&] {
        const qint64 t = clock.elapsed();
        owed += double(t - lastFeed) * rate / 1000.0;
        lastFeed = t;
        const qint64 now = Timestamps::nowMs();
        while (owed >= 1.0) {
            if (source == QStringLiteral("direct"))
                jobs.applyEvent(stream.next(now));
            else
                service.publish(stream.next(now));
            ++delivered;
            owed -= 1.0;
        }
    });
    if (source != QStringLiteral("url"))
        feed.start(10);
    QTimer budgets;
    QObject::connect(&budgets, &QTimer::timeout, [&] { wall.setServiceBudgets(WallBench::budgetsFor(jobs)); });
    budgets.start(2000);

    struct Sample
    {
        double t;
        long rssKb;
        double cpu;
    };
    std::vector<Sample> samples;
    WallBench::Usage last = WallBench::usage();
    double lastT = 0;
    qint64 lastDelivered = 0;
    std::printf(
        "wall soak: %d events/s for %d s, %d jobs at a time, sampled every %d s\n", rate, seconds, concurrent, sample);
    std::printf(
        "source: %s\n", qPrintable(source == QStringLiteral("url") ? parser.value(QStringLiteral("url")) : source));
    std::printf(
        "%8s %10s %7s %10s %6s %6s %9s\n", "t (s)", "RSS (MB)", "CPU %", "events/s", "shown", "held", "repaints");
    QTimer sampler;
    QObject::connect(&sampler, &QTimer::timeout, [&] {
        const double t = double(clock.elapsed()) / 1000.0;
        const WallBench::Usage u = WallBench::usage();
        const double cpu = (u.cpuSeconds - last.cpuSeconds) / (t - lastT) * 100.0;
        const qint64 received = source == QStringLiteral("direct") ? delivered : qint64(events.stats().events);
        const double evs = double(received - lastDelivered) / (t - lastT);
        samples.push_back({ t, u.rssKb, cpu });
        const int repaints = wall.repaintCount() + wall.tilePaintCount();
        std::printf("%8.0f %10.1f %7.1f %10.0f %6lld %6d %9d\n", t, double(u.rssKb) / 1024.0, cpu, evs,
            qlonglong(wall.visibleJobs().size()), jobs.count(), repaints);
        std::fflush(stdout);
        if (csv.isOpen()) {
            csvOut << t << ',' << u.rssKb << ',' << cpu << ',' << delivered << ',' << wall.visibleJobs().size() << ','
                   << jobs.count() << ',' << repaints << '\n';
            csvOut.flush();
        }
        last = u;
        lastT = t;
        lastDelivered = received;
    });
    sampler.start(sample * 1000);
    QTimer::singleShot(seconds * 1000 + 200, &app, &QCoreApplication::quit);
    app.exec();

    // Growth: least-squares slope of RSS over the samples after the warm-up (while the job list fills up to its
    // linger time, and caches and fonts load, memory grows by design).
    std::size_t from = 0;
    while (from < samples.size() && samples[from].t < double(warmup))
        ++from;
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, cpuSum = 0;
    for (std::size_t i = from; i < samples.size(); ++i) {
        const double x = samples[i].t / 3600.0;
        const double y = double(samples[i].rssKb) / 1024.0;
        n += 1;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        cpuSum += samples[i].cpu;
    }
    if (n >= 2 && (n * sxx - sx * sx) > 0) {
        const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        std::printf(
            "summary: %lld events published, %llu received (%llu duplicates, %llu missing, %llu decode errors), "
            "%lld jobs started; after %d s warm-up: RSS %.1f → %.1f MB, growth %.1f MB/hour (least squares over "
            "%d samples), mean CPU %.1f %%\n",
            qlonglong(delivered),
            source == QStringLiteral("direct") ? qulonglong(delivered) : qulonglong(events.stats().events),
            qulonglong(events.stats().duplicates), qulonglong(events.stats().missing),
            qulonglong(events.stats().decodeErrors), qlonglong(stream.jobsStarted()), warmup,
            double(samples[from].rssKb) / 1024.0, double(samples.back().rssKb) / 1024.0, slope, int(n), cpuSum / n);
    } else {
        std::printf("summary: %lld events delivered; too few samples for a growth estimate\n", qlonglong(delivered));
    }
    return 0;
}
