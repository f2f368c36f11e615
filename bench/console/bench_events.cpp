// The event path under load: a job service (the in-process fake, on its own thread and event loop, over real
// loopback HTTP) publishes a realistic mix of events at a fixed rate; the console side (EventStream →
// JobListModel → a shown JobTableView, on the main thread) takes them. Reports:
//   - events lost and duplicated (the stream's sequence accounting, checked against what was published);
//   - event-to-screen latency: from the event's creation to the end of the first paint after the model signalled
//     it (p50/p95/p99/max);
//   - UI stalls: how late a 10 ms timer on the UI thread fired (max, p99), and the same for an idle baseline
//     measured first in the same run (what the machine's scheduling alone costs: on a shared 2-core machine
//     other processes preempt the UI thread too);
//   - RSS at the start and at the end, CPU time used.
//
//   bench_console_events [--seconds N] [--rate EVENTS_PER_S] [--short]
//     --short = 10 s at the given rate (a quick check); the full run is --seconds 600 --rate 2000.

#include "bench/console/benchutil.h"
#include "core/base/timestamps.h"
#include "core/jobs/eventstream.h"
#include "models/joblistmodel.h"
#include "support/fakejobservice.h"
#include "widgets/jobtableview.h"

#include <cstdio>
#include <deque>
#include <random>
#include <sys/resource.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>
#include <QTimer>

using namespace Baton;

namespace {

// Publishes events at a steady rate from its own thread: new jobs, node-state moves, job states, log lines.
class Source : public QObject
{
    Q_OBJECT

public:
    Source(double rate, qint64 durationMs)
        : m_rate(rate)
        , m_durationMs(durationMs)
    { }

    quint64 published() const { return m_published.loadAcquire(); }

public Q_SLOTS:
    void start()
    {
        m_service = new Test::FakeJobService(this);
        m_service->setReplayWindow(20000);
        if (!m_service->listen()) {
            Q_EMIT failed();
            return;
        }
        m_service->setHeartbeatIntervalMs(1000);
        m_timer = new QTimer(this);
        m_timer->setTimerType(Qt::PreciseTimer);
        connect(m_timer, &QTimer::timeout, this, &Source::tick);
        Q_EMIT ready(m_service->url());
    }

    void go()
    {
        m_clock.start();
        m_timer->start(5);
    }

    void stop()
    {
        if (m_timer)
            m_timer->stop();
        if (m_service)
            m_service->close();
    }

Q_SIGNALS:
    void ready(const QUrl &url);
    void failed();
    void finished();

private:
    struct LiveJob
    {
        qint64 id;
        std::vector<NodeRunState> nodes;
        NodeCounts counts;
    };

    void tick()
    {
        const qint64 elapsed = m_clock.elapsed();
        const auto due = quint64(double(std::min(elapsed, m_durationMs)) * m_rate / 1000.0);
        quint64 n = m_published.loadRelaxed();
        while (n < due) {
            m_service->publish(next());
            ++n;
        }
        m_published.storeRelease(n);
        if (elapsed >= m_durationMs) {
            m_timer->stop();
            Q_EMIT finished();
        }
    }

    JobEvent next()
    {
        JobEvent e;
        e.atMs = Timestamps::nowMs();
        const int roll = int(m_rng() % 100);
        if (m_live.size() < 20 || (roll < 3 && m_live.size() < 200)) {
            LiveJob j { m_nextId++, std::vector<NodeRunState>(20, NodeRunState::Queued), {} };
            j.counts[NodeRunState::Queued] = 20;
            Job job;
            job.id = j.id;
            job.spec.playbook = QStringLiteral("rolling-restart.yml");
            job.spec.target.service = QStringLiteral("web");
            job.operatorName = QStringLiteral("bench");
            job.createdAtMs = e.atMs;
            for (int i = 0; i < 20; ++i) {
                NodeRun r;
                r.node = QStringLiteral("web-%1").arg(i);
                job.nodes.append(r);
            }
            job.counts = j.counts;
            e.type = JobEvent::Type::JobCreated;
            e.jobId = job.id;
            e.job = job;
            m_live.push_back(std::move(j));
            return e;
        }
        LiveJob &j = m_live[m_rng() % m_live.size()];
        const int node = int(m_rng() % j.nodes.size());
        e.jobId = j.id;
        e.node = QStringLiteral("web-%1").arg(node);
        if (roll < 30) {
            e.type = JobEvent::Type::NodeLog;
            e.offset = qint64(m_logBytes);
            e.text = QStringLiteral("TASK [rolling : restart] ok: [%1]\n").arg(e.node);
            m_logBytes += quint64(e.text.size());
            return e;
        }
        NodeRunState &s = j.nodes[std::size_t(node)];
        if (isTerminal(s)) {
            e.type = JobEvent::Type::NodeTask;
            e.task = QStringLiteral("wait for peers");
            return e;
        }
        const NodeRunState from = s;
        s = s == NodeRunState::Verifying ? (m_rng() % 20 == 0 ? NodeRunState::Failed : NodeRunState::Succeeded)
                                         : NodeRunState(int(s) + 1);
        j.counts[from] -= 1;
        j.counts[s] += 1;
        e.type = JobEvent::Type::NodeState;
        e.nodeState = s;
        e.reason = s == NodeRunState::WaitingForSlot ? QStringLiteral("slots held by web-1, web-3") : QString();
        if (j.counts.terminal() == j.counts.total()) {
            // The job is done: its last node event now, its job.state as the next event.
            const qint64 id = j.id;
            const NodeCounts counts = j.counts;
            m_live.erase(m_live.begin() + (&j - m_live.data()));
            m_pendingJobState.push_back({ id, counts });
        }
        if (!m_pendingJobState.empty() && roll >= 95) {
            auto [id, counts] = m_pendingJobState.front();
            m_pendingJobState.pop_front();
            JobEvent js;
            js.atMs = e.atMs;
            js.type = JobEvent::Type::JobState;
            js.jobId = id;
            js.counts = counts;
            js.jobState = gradeJob(counts, false);
            return js;
        }
        return e;
    }

    double m_rate;
    qint64 m_durationMs;
    Test::FakeJobService *m_service = nullptr;
    QTimer *m_timer = nullptr;
    QElapsedTimer m_clock;
    QAtomicInteger<quint64> m_published { 0 };
    std::mt19937 m_rng { 42 };
    std::vector<LiveJob> m_live;
    std::deque<std::pair<qint64, NodeCounts>> m_pendingJobState;
    qint64 m_nextId = 1;
    quint64 m_logBytes = 0;
};

// The job table, with a hook at the end of each paint.
class MeasuredTable : public JobTableView
{
public:
    using JobTableView::JobTableView;
    std::function<void()> paintStarted;
    std::function<void()> afterPaint;

protected:
    bool viewportEvent(QEvent *event) override
    {
        if (event->type() == QEvent::Paint && paintStarted)
            paintStarted();
        const bool r = JobTableView::viewportEvent(event);
        if (event->type() == QEvent::Paint && afterPaint)
            afterPaint();
        return r;
    }
};

double cpuSeconds()
{
    rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

} // namespace

int main(int argc, char *argv[])
{
    BenchUtil::useOffscreenUnlessSet();
    QApplication app(argc, argv);
    double rate = 2000;
    qint64 seconds = 600;
    qint64 baselineSeconds = 20;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args[i] == u"--rate" && i + 1 < args.size())
            rate = args[++i].toDouble();
        else if (args[i] == u"--seconds" && i + 1 < args.size())
            seconds = args[++i].toLongLong();
        else if (args[i] == u"--short") {
            seconds = 10;
            baselineSeconds = 5;
        } else if (args[i] == u"--help") {
            std::printf("usage: bench_console_events [--seconds N] [--rate EVENTS_PER_S] [--short]\n");
            return 0;
        } else {
            std::fprintf(stderr, "bench_console_events: unknown option %s\n", qPrintable(args[i]));
            return 2;
        }
    }
    if (rate <= 0 || seconds <= 0) {
        std::fprintf(stderr, "bench_console_events: --rate and --seconds must be positive\n");
        return 2;
    }

    QThread sourceThread;
    auto *source = new Source(rate, seconds * 1000);
    source->moveToThread(&sourceThread);
    QObject::connect(&sourceThread, &QThread::finished, source, &QObject::deleteLater);
    sourceThread.start();

    JobListModel model;
    MeasuredTable view;
    view.setJobModel(&model);
    view.resize(1920, 1080);
    view.show();
    EventStream stream;

    // Latency bookkeeping: creation times of events the model took but no paint has shown yet.
    std::vector<qint64> received; // atMs of events applied since the last tick
    std::vector<qint64> awaitingPaint;
    std::vector<double> latencies;
    latencies.reserve(std::size_t(rate * double(seconds)) + 1000);
    quint64 applied = 0;
    quint64 paints = 0;
    // Where the UI thread's time goes, per piece of work: the longest single one of each kind.
    double maxApplyMs = 0;
    double maxPaintMs = 0;
    QElapsedTimer work;
    QObject::connect(&stream, &EventStream::eventsReceived, &model, [&](const QList<JobEvent> &events) {
        work.start();
        model.applyEvents(events);
        maxApplyMs = std::max(maxApplyMs, double(work.nsecsElapsed()) / 1e6);
        applied += quint64(events.size());
        for (const JobEvent &e : events)
            received.push_back(e.atMs);
    });
    QObject::connect(&model, &JobListModel::ticked, &model, [&] {
        awaitingPaint.insert(awaitingPaint.end(), received.begin(), received.end());
        received.clear();
    });
    view.paintStarted = [&] { work.start(); };
    view.afterPaint = [&] {
        maxPaintMs = std::max(maxPaintMs, double(work.nsecsElapsed()) / 1e6);
        ++paints;
        if (awaitingPaint.empty())
            return;
        const qint64 now = Timestamps::nowMs();
        for (qint64 at : awaitingPaint)
            latencies.push_back(double(now - at));
        awaitingPaint.clear();
    };

    // UI stalls: a 10 ms timer that should fire every 10 ms. The first phase runs without events (the baseline).
    std::vector<double> lateness;
    std::vector<double> idleLateness;
    bool loaded = false;
    double worstStall = 0;
    double worstIdleStall = 0;
    QElapsedTimer stallClock;
    QTimer stallTimer;
    stallTimer.setTimerType(Qt::PreciseTimer);
    QObject::connect(&stallTimer, &QTimer::timeout, &stallTimer, [&] {
        const double gap = double(stallClock.nsecsElapsed()) / 1e6;
        stallClock.start();
        const double late = std::max(0.0, gap - 10.0);
        if (loaded) {
            lateness.push_back(late);
            worstStall = std::max(worstStall, late);
        } else {
            idleLateness.push_back(late);
            worstIdleStall = std::max(worstIdleStall, late);
        }
    });

    double rssStart = 0;
    double cpuStart = 0;
    QElapsedTimer wall;
    QObject::connect(source, &Source::failed, &app, [] {
        std::fprintf(stderr, "bench_console_events: the event source could not listen\n");
        QCoreApplication::exit(1);
    });
    QObject::connect(source, &Source::ready, &app, [&](const QUrl &url) {
        EventStream::Options o;
        o.baseUrl = url;
        if (!stream.configure(o)) {
            QCoreApplication::exit(1);
            return;
        }
        QObject::connect(&stream, &EventStream::connected, &app, [&] {
            static bool once = false;
            if (once)
                return;
            once = true;
            stallClock.start();
            stallTimer.start(10);
            QTimer::singleShot(int(baselineSeconds * 1000), &app, [&] {
                loaded = true;
                rssStart = BenchUtil::rssMiB();
                cpuStart = cpuSeconds();
                wall.start();
                QMetaObject::invokeMethod(source, "go", Qt::QueuedConnection);
            });
        });
        stream.start();
    });
    QObject::connect(source, &Source::finished, &app, [&] {
        // Let the last events drain through the stream, the tick and a paint.
        QTimer::singleShot(2000, &app, [&] {
            model.flush();
            (void)view.viewport()->grab();
            QCoreApplication::exit(0);
        });
    });
    QMetaObject::invokeMethod(source, "start", Qt::QueuedConnection);
    const int rc = app.exec();
    stallTimer.stop();
    const double wallS = double(wall.elapsed()) / 1000.0;
    const double cpu = cpuSeconds() - cpuStart;
    const quint64 published = source->published();
    QMetaObject::invokeMethod(source, "stop", Qt::BlockingQueuedConnection);
    sourceThread.quit();
    sourceThread.wait();
    if (rc != 0)
        return rc;

    const EventStream::Stats &st = stream.stats();
    std::printf("event path: %.0f events/s for %lld s into the job list (QTableView 1920x1080, tick %d ms, %s)\n", rate,
        static_cast<long long>(seconds), model.tickInterval(), qPrintable(QGuiApplication::platformName()));
    std::printf("  published %llu, delivered %llu, lost %llu, duplicated %llu, decode errors %llu, reconnects %llu\n",
        static_cast<unsigned long long>(published), static_cast<unsigned long long>(st.events),
        static_cast<unsigned long long>(published > st.events ? published - st.events : 0),
        static_cast<unsigned long long>(st.duplicates), static_cast<unsigned long long>(st.decodeErrors),
        static_cast<unsigned long long>(st.connects > 0 ? st.connects - 1 : 0));
    std::printf("  stream accounting: gaps %llu (missing %llu), resyncs %llu, heartbeats %llu, %.1f MiB received\n",
        static_cast<unsigned long long>(st.gaps), static_cast<unsigned long long>(st.missing),
        static_cast<unsigned long long>(st.resyncs), static_cast<unsigned long long>(st.heartbeats),
        double(st.bytes) / 1048576.0);
    std::printf("  event-to-screen latency (ms): p50 %.0f  p95 %.0f  p99 %.0f  max %.0f  (%zu events, %llu paints)\n",
        BenchUtil::percentile(latencies, 50), BenchUtil::percentile(latencies, 95),
        BenchUtil::percentile(latencies, 99), BenchUtil::percentile(latencies, 100), latencies.size(),
        static_cast<unsigned long long>(paints));
    std::printf("  longest single piece of UI work: applying one network read %.1f ms, one paint %.1f ms\n", maxApplyMs,
        maxPaintMs);
    std::printf("  UI thread under load: longest stall %.1f ms, timer lateness p99 %.1f ms\n", worstStall,
        BenchUtil::percentile(lateness, 99));
    std::printf("  UI thread idle baseline (%lld s, same run): longest stall %.1f ms, timer lateness p99 %.1f ms\n",
        static_cast<long long>(baselineSeconds), worstIdleStall, BenchUtil::percentile(idleLateness, 99));
    double load1 = -1;
    if (QFile f(QStringLiteral("/proc/loadavg")); f.open(QIODevice::ReadOnly))
        load1 = f.readAll().split(' ').value(0).toDouble();
    std::printf("  machine load average at the end: %.2f\n", load1);
    std::printf("  jobs in the list %d; RSS %.1f MiB at start, %.1f MiB at the end; CPU %.1f s in %.1f s (%.0f%% of "
                "one core)\n",
        model.totalJobs(), rssStart, BenchUtil::rssMiB(), cpu, wallS, wallS > 0 ? 100.0 * cpu / wallS : 0.0);
    return 0;
}

#include "bench_events.moc"
