// A long history in the job list: how long a 1,000,000-job history takes to load into the model, to open in the
// view and paint for the first time, to scroll to the end, to repaint, and to take 100 new jobs live.
// The same figures for a 10,000-job history are measured in the same run as the baseline.
//
//   bench_console_history [--jobs N] [--runs R]

#include "bench/console/benchutil.h"
#include "core/domain/jobevent.h"
#include "models/joblistmodel.h"
#include "widgets/jobtableview.h"

#include <cstdio>
#include <random>

#include <QApplication>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QImage>
#include <QScrollBar>

using namespace Baton;
using BenchUtil::median;
using BenchUtil::percentile;

namespace {

QList<Job> makeHistory(qint64 count, qint64 firstId)
{
    static const QStringList playbooks = [] {
        QStringList out;
        for (int i = 0; i < 20; ++i)
            out << QStringLiteral("playbook-%1.yml").arg(i);
        return out;
    }();
    static const QStringList services = [] {
        QStringList out;
        for (int i = 0; i < 50; ++i)
            out << QStringLiteral("service-%1").arg(i);
        return out;
    }();
    static const QStringList operators = { QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol"),
        QStringLiteral("dave"), QStringLiteral("erin") };
    std::mt19937 rng(1234);
    QList<Job> jobs;
    jobs.reserve(count);
    const qint64 base = 1'700'000'000'000;
    for (qint64 i = 0; i < count; ++i) {
        Job j;
        j.id = firstId + count - i; // newest first
        j.spec.playbook = playbooks[int(rng() % playbooks.size())];
        j.spec.target.service = services[int(rng() % services.size())];
        j.operatorName = operators[int(rng() % operators.size())];
        j.createdAtMs = base + j.id * 60'000;
        j.startedAtMs = j.createdAtMs + 1000;
        j.finishedAtMs = j.startedAtMs + 30'000 + qint64(rng() % 600'000);
        const int nodes = 1 + int(rng() % 40);
        const int failed = rng() % 10 == 0 ? 1 + int(rng() % 3) : 0;
        j.counts[NodeRunState::Succeeded] = std::max(0, nodes - failed);
        j.counts[NodeRunState::Failed] = std::min(failed, nodes);
        j.state = gradeJob(j.counts, false);
        jobs.append(std::move(j));
    }
    return jobs;
}

struct Figures
{
    double loadMs = 0;
    double openPaintMs = 0;
    double scrollEndMs = 0;
    double repaintMs = 0;
    double append100Median = 0;
    double append100P95 = 0;
    double rssMiB = 0;
    double modelMiB = 0; // what the model holds, measured as RSS growth while it loads
};

double elapsedMs(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

Figures measure(qint64 count, int runs)
{
    Figures f;
    const QList<Job> history = makeHistory(count, 0);
    std::vector<double> load;
    std::vector<double> open;
    std::vector<double> scroll;
    std::vector<double> repaint;
    std::vector<double> append;
    for (int run = 0; run < runs; ++run) {
        JobListModel model;
        model.setClock([] { return qint64(1'700'000'000'000) + qint64(2'000'000) * 60'000; });
        const double rssBefore = BenchUtil::rssMiB();
        QElapsedTimer t;
        t.start();
        model.replaceHistory(history, false);
        load.push_back(elapsedMs(t));
        if (run == 0)
            f.modelMiB = BenchUtil::rssMiB() - rssBefore;

        JobTableView view;
        view.resize(1920, 1080);
        t.start();
        view.setJobModel(&model);
        view.show();
        // grab() lays the widget out and paints all of it, synchronously: the first frame an operator would see.
        const QImage first = view.grab().toImage();
        open.push_back(elapsedMs(t));
        if (first.isNull())
            std::fprintf(stderr, "warning: empty first frame\n");

        t.start();
        view.scrollToBottom();
        (void)view.viewport()->grab();
        scroll.push_back(elapsedMs(t));
        view.scrollToTop();
        (void)view.viewport()->grab();

        for (int i = 0; i < 10; ++i) {
            t.start();
            (void)view.viewport()->grab();
            repaint.push_back(elapsedMs(t));
        }

        // 100 new jobs arrive live (one batch, one tick): the model signals, the view updates and repaints.
        qint64 nextId = count + 1;
        for (int i = 0; i < 20; ++i) {
            QList<JobEvent> events;
            for (int k = 0; k < 100; ++k) {
                JobEvent e;
                e.type = JobEvent::Type::JobCreated;
                e.jobId = nextId;
                Job j;
                j.id = nextId++;
                j.spec.playbook = QStringLiteral("playbook-1.yml");
                j.spec.target.service = QStringLiteral("service-1");
                j.createdAtMs = 1'800'000'000'000;
                j.counts[NodeRunState::Queued] = 10;
                e.job = j;
                events << e;
            }
            t.start();
            model.applyEvents(events);
            model.flush();
            (void)view.viewport()->grab();
            append.push_back(elapsedMs(t));
        }
        f.rssMiB = BenchUtil::rssMiB();
    }
    f.loadMs = median(load);
    f.openPaintMs = median(open);
    f.scrollEndMs = median(scroll);
    f.repaintMs = median(repaint);
    f.append100Median = median(append);
    f.append100P95 = percentile(append, 95);
    return f;
}

} // namespace

int main(int argc, char *argv[])
{
    BenchUtil::useOffscreenUnlessSet();
    QApplication app(argc, argv);
    qint64 jobs = 1'000'000;
    int runs = 5;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args[i] == u"--jobs" && i + 1 < args.size())
            jobs = args[++i].toLongLong();
        else if (args[i] == u"--runs" && i + 1 < args.size())
            runs = args[++i].toInt();
        else if (args[i] == u"--help") {
            std::printf("usage: bench_console_history [--jobs N] [--runs R]\n");
            return 0;
        } else {
            std::fprintf(stderr, "bench_console_history: unknown option %s\n", qPrintable(args[i]));
            return 2;
        }
    }
    if (jobs < 1000 || runs < 1) {
        std::fprintf(stderr, "bench_console_history: --jobs must be at least 1000 and --runs at least 1\n");
        return 2;
    }
    (void)measure(2'000, 1); // warm-up: fonts, style, caches, so the baseline is not charged for them
    const Figures base = measure(10'000, runs);
    const Figures big = measure(jobs, runs);
    std::printf("job list history, QTableView 1920x1080, fixed rows, medians of %d runs (platform %s)\n", runs,
        qPrintable(QGuiApplication::platformName()));
    std::printf("%-36s %14s %14s %8s\n", "", "10,000 jobs", QString::number(jobs).toLatin1().constData(), "ratio");
    auto row = [](const char *name, double a, double b) {
        std::printf("%-36s %11.2f ms %11.2f ms %7.2fx\n", name, a, b, a > 0 ? b / a : 0.0);
    };
    row("model load (replaceHistory)", base.loadMs, big.loadMs);
    row("open + first paint (setModel, show)", base.openPaintMs, big.openPaintMs);
    row("scroll to end + paint", base.scrollEndMs, big.scrollEndMs);
    row("full viewport repaint", base.repaintMs, big.repaintMs);
    row("100 live rows: apply+tick+paint, p50", base.append100Median, big.append100Median);
    row("100 live rows: apply+tick+paint, p95", base.append100P95, big.append100P95);
    std::printf("%-36s %10.1f MiB %10.1f MiB\n", "model memory (RSS growth on load)", base.modelMiB, big.modelMiB);
    std::printf("%-36s %10.1f MiB %10.1f MiB\n", "RSS after the run (history included)", base.rssMiB, big.rssMiB);
    return 0;
}
