// Idle cost of the wall display: CPU %, event-loop wake-ups and repaints per second with N jobs shown and
// nothing changing. Two cases: finished jobs (nothing on screen moves with time) and running jobs that receive
// no events (the now line and open spans still advance, one device pixel at a time).
//   QT_QPA_PLATFORM=offscreen wall_idle [--jobs 20] [--seconds 30] [--size 3840x2160]
#include "core/base/timestamps.h"
#include "models/timelinejobs.h"
#include "wallbench.h"
#include "widgets/walldisplay.h"

#include <cstdio>

#include <QApplication>
#include <QCommandLineParser>
#include <QEventLoop>
#include <QTimer>

using namespace Baton;

namespace {

void runFor(int ms)
{
    // The benchmark's own wait: one timer, not counted against the wall (its wake-up is subtracted).
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

void measure(const char *name, bool finished, int jobsCount, int seconds, QSize size)
{
    TimelineJobs jobs;
    const qint64 now = Timestamps::nowMs();
    for (int i = 1; i <= jobsCount; ++i) {
        Job j = WallBench::runningJob(i, 12, now, finished ? 1.5 : 0.5, quint32(i));
        if (finished) {
            // Finished a moment ago: shown for the linger time, nothing moves.
            j.state = JobState::Succeeded;
            j.finishedAtMs = now - 1000;
        }
        jobs.applyJob(j);
    }
    WallDisplay wall(&jobs);
    wall.resize(size);
    wall.setServiceBudgets(WallBench::budgetsFor(jobs));
    wall.show();
    runFor(1500); // settle: first paints, layout
    WallBench::WakeCounter wakes;
    const int paints0 = wall.repaintCount() + wall.tilePaintCount();
    const WallBench::Usage u0 = WallBench::usage();
    QElapsedTimer t;
    t.start();
    runFor(seconds * 1000);
    const double elapsed = double(t.elapsed()) / 1000.0;
    const WallBench::Usage u1 = WallBench::usage();
    const int paints = wall.repaintCount() + wall.tilePaintCount() - paints0;
    const double cpu = (u1.cpuSeconds - u0.cpuSeconds) / elapsed * 100.0;
    // One wake-up belongs to the benchmark's own timer.
    const double wakesPerS = double(std::max<long>(0, wakes.count() - 1)) / elapsed;
    const double switchesPerS = double(u1.contextSwitches - u0.contextSwitches) / elapsed;
    std::printf("%-34s jobs %3d shown %3lld  CPU %6s %%  wake-ups/s %6s  context switches/s %6s  repaints/s %6s  "
                "timers: now-line %s, rotation %s, stale clock %s\n",
        name, jobsCount, qlonglong(wall.visibleJobs().size()), qPrintable(WallBench::fixed(cpu, 2)),
        qPrintable(WallBench::fixed(wakesPerS, 2)), qPrintable(WallBench::fixed(switchesPerS, 2)),
        qPrintable(WallBench::fixed(double(paints) / elapsed, 2)), wall.isTicking() ? "on" : "off",
        wall.isRotating() ? "on" : "off", wall.isStaleClockRunning() ? "on" : "off");
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("wall_idle"));
    QApplication::setApplicationVersion(QStringLiteral(BATON_VERSION_STRING));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Idle cost of the wall display (prints figures)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(
        { QStringLiteral("jobs"), QStringLiteral("Jobs shown."), QStringLiteral("n"), QStringLiteral("20") });
    parser.addOption(
        { QStringLiteral("seconds"), QStringLiteral("Seconds per case."), QStringLiteral("n"), QStringLiteral("30") });
    parser.addOption({ QStringLiteral("size"), QStringLiteral("Wall size WxH."), QStringLiteral("WxH"),
        QStringLiteral("3840x2160") });
    parser.process(app);
    bool ok1 = false;
    bool ok2 = false;
    const int jobs = parser.value(QStringLiteral("jobs")).toInt(&ok1);
    const int seconds = parser.value(QStringLiteral("seconds")).toInt(&ok2);
    const QStringList wh = parser.value(QStringLiteral("size")).split(QLatin1Char('x'));
    bool ok3 = wh.size() == 2;
    bool ok4 = false;
    const int w = ok3 ? wh[0].toInt(&ok3) : 0;
    const int h = wh.size() == 2 ? wh[1].toInt(&ok4) : 0;
    if (!ok1 || jobs < 1 || jobs > 200 || !ok2 || seconds < 1 || seconds > 3600 || !ok3 || !ok4 || w < 320 || h < 240
        || w > 16000 || h > 16000) {
        std::fprintf(stderr, "wall_idle: --jobs 1..200, --seconds 1..3600, --size WxH (320x240..16000x16000)\n");
        return 2;
    }
    std::printf("wall display idle, %dx%d, %d s per case\n", w, h, seconds);
    measure("finished jobs, nothing changing", true, jobs, seconds, QSize(w, h));
    measure("running jobs, no events", false, jobs, seconds, QSize(w, h));
    return 0;
}
