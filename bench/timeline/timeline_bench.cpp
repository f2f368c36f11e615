// Timeline repaint benchmark: 1920×1080 frames of jobs with 50, 500 and 5,000 lanes × 2,000 segments each.
// Prints median and p95 per scenario, of wall-clock time and of the thread's CPU time (on a shared, loaded
// machine the wall-clock tail is mostly other processes' turns; the CPU time is what a frame costs itself);
// never fails on time. Run from a Release build:
//   QT_QPA_PLATFORM=offscreen timeline_bench [--lanes 50,500,5000] [--segments 2000] [--frames 40]
#include "models/timelinemodel.h"
#include "support/timelinefixtures.h"
#include "widgets/timelinepainter.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <vector>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QPainter>

using namespace Baton;

namespace {

constexpr qint64 T0 = 1'790'000'000'000;

struct Figures
{
    double median = 0;
    double p95 = 0;
    double max = 0;
    double cpuMedian = 0; // the painting thread's CPU time
    double cpuP95 = 0;
};

double threadCpuMs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

Figures measure(int frames, const std::function<void()> &before, const std::function<void()> &frame)
{
    std::vector<double> ms;
    std::vector<double> cpu;
    ms.reserve(std::size_t(frames));
    cpu.reserve(std::size_t(frames));
    for (int i = 0; i < frames; ++i) {
        if (before)
            before();
        QElapsedTimer t;
        const double c0 = threadCpuMs();
        t.start();
        frame();
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
        cpu.push_back(threadCpuMs() - c0);
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu.begin(), cpu.end());
    const auto p95Index = [](std::size_t n) { return std::min(n - 1, std::size_t(double(n) * 0.95)); };
    Figures f;
    f.median = ms[ms.size() / 2];
    f.p95 = ms[p95Index(ms.size())];
    f.max = ms.back();
    f.cpuMedian = cpu[cpu.size() / 2];
    f.cpuP95 = cpu[p95Index(cpu.size())];
    return f;
}

QByteArray loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray("unknown");
}

long rssKb()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> parts = f.readAll().split(' ');
    return parts.size() > 1 ? parts[1].toLong() * 4 : 0;
}

// Builds the model the way the console does: one job.created with every node, then node.state events.
void build(TimelineModel &model, int lanes, int segments, quint32 seed)
{
    Job shell = TimelineFixtures::denseJob(lanes, 1, T0, 1000, seed);
    model.setJob(shell);
    const Job dense = TimelineFixtures::denseJob(1, segments, T0, 1000, seed); // per-lane pattern template
    std::vector<qint64> offsets;
    for (const StateTransition &t : dense.nodes.constFirst().transitions)
        offsets.push_back(t.atMs - T0);
    static const NodeRunState cycle[] = { NodeRunState::Queued, NodeRunState::WaitingForNode, NodeRunState::Starting,
        NodeRunState::WaitingForSlot, NodeRunState::InMaintenance, NodeRunState::Verifying };
    JobEvent e;
    e.type = JobEvent::Type::NodeState;
    e.jobId = shell.id;
    for (int k = 1; k < segments; ++k) {
        for (int lane = 0; lane < lanes; ++lane) {
            e.node = shell.nodes.at(lane).node;
            // Shift each lane a little so lanes differ.
            e.atMs = T0 + offsets[std::size_t(k)] + (lane * 37) % 700;
            e.nodeState = cycle[(k + lane) % 6];
            model.applyEvent(e);
        }
    }
    model.flush();
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("timeline_bench"));
    QApplication::setApplicationVersion(QStringLiteral(BATON_VERSION_STRING));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Timeline repaint benchmark (prints figures)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({ QStringLiteral("lanes"), QStringLiteral("Comma-separated lane counts."), QStringLiteral("list"),
        QStringLiteral("50,500,5000") });
    parser.addOption({ QStringLiteral("segments"), QStringLiteral("Segments per lane."), QStringLiteral("n"),
        QStringLiteral("2000") });
    parser.addOption({ QStringLiteral("frames"), QStringLiteral("Frames per scenario."), QStringLiteral("n"),
        QStringLiteral("40") });
    parser.process(app);
    bool ok = true;
    const int segments = parser.value(QStringLiteral("segments")).toInt(&ok);
    if (!ok || segments < 2 || segments > 100'000) {
        std::fprintf(stderr, "timeline_bench: --segments must be 2..100000\n");
        return 2;
    }
    const int frames = parser.value(QStringLiteral("frames")).toInt(&ok);
    if (!ok || frames < 3 || frames > 100'000) {
        std::fprintf(stderr, "timeline_bench: --frames must be 3..100000\n");
        return 2;
    }
    std::vector<int> laneCounts;
    for (const QString &s : parser.value(QStringLiteral("lanes")).split(QLatin1Char(','))) {
        const int n = s.toInt(&ok);
        if (!ok || n < 1 || n > 100'000) {
            std::fprintf(stderr, "timeline_bench: bad --lanes entry '%s'\n", qPrintable(s));
            return 2;
        }
        laneCounts.push_back(n);
    }

    const QSize size(1920, 1080);
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    std::printf("timeline repaint, %dx%d, %d segments per lane, %d frames per scenario (ms)\n", size.width(),
        size.height(), segments, frames);
    std::printf("load average at start: %s\n", loadAverage().constData());
    std::printf("%-6s %-50s %8s %8s %8s %9s %9s %6s\n", "lanes", "scenario", "median", "p95", "max", "cpu med",
        "cpu p95", "rows");

    for (int lanes : laneCounts) {
        const long rssBefore = rssKb();
        QElapsedTimer buildTimer;
        buildTimer.start();
        auto model = std::make_unique<TimelineModel>();
        build(*model, lanes, segments, 7);
        const double buildS = double(buildTimer.elapsed()) / 1000.0;
        const long rssAfter = rssKb();
        qint64 traceEnd = T0;
        for (int l = 0; l < model->laneCount(); ++l)
            traceEnd = std::max(traceEnd, model->span(l, model->spanCount(l) - 1).start);
        const qint64 now = traceEnd + 500;
        std::printf("%-6d model: %.1f s to feed %lld events, RSS +%.0f MB (%.1f bytes per segment incl. lanes)\n",
            lanes, buildS, qlonglong(lanes) * (segments - 1), double(rssAfter - rssBefore) / 1024.0,
            double(rssAfter - rssBefore) * 1024.0 / (double(lanes) * segments));

        for (const bool fit : { false, true }) {
            TimelinePainter tp;
            TimelinePainter::Options o;
            o.fit = fit;
            tp.setOptions(o);
            tp.setModel(model.get());
            tp.setSize(size);
            tp.setNow(now);
            tp.setRange(T0, now + 1000); // the whole job: about one segment per pixel column
            QPainter p(&image);
            const QRect all(QPoint(0, 0), size);
            auto frame = [&] { tp.paint(p, all); };
            const char *mode = fit ? "fit (aggregated)" : "scrolling";
            auto row = [&](const char *what, const Figures &f) {
                char label[64];
                std::snprintf(label, sizeof label, "%s, %s", mode, what);
                std::printf("%-6d %-50s %8.2f %8.2f %8.2f %9.2f %9.2f %6d\n", lanes, label, f.median, f.p95, f.max,
                    f.cpuMedian, f.cpuP95, tp.lastFrame().rowsPainted);
            };
            row("cold (cache dropped every frame)",
                measure(
                    frames, [&] { tp.invalidate(); }, frame));
            tp.paint(p, all);
            row("warm (hover, scroll, now line)",
                measure(
                    frames, [&] { tp.setNow(tp.now() + 1); }, frame));
            // A live batch touching ten lanes, then the frame that shows it.
            int k = 0;
            row("live batch (10 lanes changed)",
                measure(
                    frames,
                    [&] {
                        for (int i = 0; i < 10; ++i) {
                            JobEvent e;
                            e.type = JobEvent::Type::NodeState;
                            e.jobId = model->jobId();
                            e.node = model->lane((k * 97 + i * 13) % model->laneCount()).node;
                            e.nodeState = (k & 1) ? NodeRunState::InMaintenance : NodeRunState::Verifying;
                            e.atMs = now + 1 + k;
                            model->applyEvent(e);
                        }
                        ++k;
                        model->flush();
                    },
                    frame));
            // Panning: a new range every frame.
            qint64 shift = 0;
            row("pan (new range every frame)",
                measure(
                    frames,
                    [&] {
                        shift += 5000;
                        tp.setRange(T0 + shift, now + 1000 + shift);
                    },
                    frame));
            tp.setRange(T0 + (now - T0) * 4 / 10, T0 + (now - T0) * 5 / 10);
            row("zoomed 10x, cold",
                measure(
                    frames, [&] { tp.invalidate(); }, frame));
        }
    }
    std::printf("load average at end: %s\n", loadAverage().constData());
    return 0;
}
