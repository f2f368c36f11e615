#include "app/consoleextensions.h"
#include "app/consoleoptions.h"
#include "app/consolesession.h"
#include "app/mainwindow.h"
#include "app/profilestore.h"
#include "app/tokenstore.h"
#include "models/joblistmodel.h"
#include "models/servicebudgetmodel.h"
#include "widgets/jobdetailpane.h"
#include "widgets/jobtableview.h"
#include "widgets/launchdialog.h"
#include "widgets/maxofflineeditor.h"
#include "widgets/servicesview.h"

#include <cstdio>
#include <memory>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageWriter>
#include <QPainter>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>

using namespace Baton;

namespace {

void printLine(FILE *to, const QString &text)
{
    std::fprintf(to, "%s\n", text.toLocal8Bit().constData());
}

// Renders what --screenshot-view asked for: the window, or the dialog drawn over the window.
QImage render(MainWindow &window, QWidget *dialog)
{
    QImage image = window.grab().toImage();
    if (!dialog)
        return image;
    const QImage top = dialog->grab().toImage();
    QPainter p(&image);
    // Dim the window the way a window-modal dialog does on a desktop, then draw the dialog centred on it.
    p.fillRect(image.rect(), QColor(0, 0, 0, 90));
    const qreal dpr = image.devicePixelRatio();
    const QSizeF logical(image.width() / dpr, image.height() / dpr);
    const QSizeF size(top.width() / top.devicePixelRatio(), top.height() / top.devicePixelRatio());
    const QPointF at((logical.width() - size.width()) / 2, std::max(0.0, (logical.height() - size.height()) / 3));
    p.drawImage(QRectF(at, size), top);
    return image;
}

} // namespace

int main(int argc, char *argv[])
{
    QStringList args;
    for (int i = 1; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    auto options = ConsoleOptions::parse(args);
    if (!options) {
        printLine(stderr, QStringLiteral("baton-console: %1").arg(options.error().message));
        return 2;
    }
    if (options->help) {
        std::fputs(ConsoleOptions::helpText().toLocal8Bit().constData(), stdout);
        return 0;
    }
    if (options->version) {
        printLine(stdout, QStringLiteral("baton-console %1").arg(QStringLiteral(BATON_VERSION_STRING)));
        return 0;
    }
    // A screenshot is for docs and tests: render without a display unless the caller chose a platform. The
    // offscreen platform's screen is 800×800 unless told otherwise, which is what a full-screen view (the wall)
    // would be drawn at: give it a 1920×1080 screen.
    QTemporaryDir platformDir;
    if (!options->screenshotPath.isEmpty() && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        QByteArray platform = "offscreen";
        QFile config(platformDir.filePath(QStringLiteral("offscreen.json")));
        if (platformDir.isValid() && config.open(QIODevice::WriteOnly)) {
            config.write("{\"screens\": [{\"name\": \"screenshot\", \"x\": 0, \"y\": 0, \"width\": 1920, "
                         "\"height\": 1080, \"logicalDpi\": 96, \"logicalBaseDpi\": 96, \"dpr\": 1}]}");
            config.close();
            platform += ":configfile=" + QFile::encodeName(config.fileName());
        }
        qputenv("QT_QPA_PLATFORM", platform);
    }

    // Everything that can refuse to start is decided before the GUI exists, so a bad profile, environment or file
    // is one line on stderr and nothing else.
    QCoreApplication::setApplicationName(QStringLiteral("baton-console"));
    QCoreApplication::setOrganizationName(QStringLiteral("Baton"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATON_VERSION_STRING));
    auto settings = std::make_unique<QSettings>();
    ProfileStore store(*settings);
    const std::optional<ConnectionProfile> saved = store.pick(options->profile);
    if (!options->profile.isEmpty() && (!saved || saved->name != options->profile)) {
        printLine(
            stderr, QStringLiteral("baton-console: there is no saved profile called \"%1\"").arg(options->profile));
        return 2;
    }
    auto resolved = options->resolve(saved, QProcessEnvironment::systemEnvironment());
    if (!resolved) {
        printLine(stderr, QStringLiteral("baton-console: %1").arg(resolved.error().message));
        return 2;
    }
    if (!resolved->profile.caFile.isEmpty() && !QFileInfo(resolved->profile.caFile).isReadable()) {
        printLine(stderr, QStringLiteral("baton-console: cannot read the CA file %1").arg(resolved->profile.caFile));
        return 2;
    }

    QGuiApplication::setHighDpiScaleFactorRoundingPolicy(Qt::HighDpiScaleFactorRoundingPolicy::PassThrough);
    QApplication app(argc, argv);
    QApplication::setApplicationDisplayName(QStringLiteral("Baton Console"));
    QApplication::setDesktopFileName(QStringLiteral("baton-console"));
    QApplication::setStyle(QStringLiteral("Fusion"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/baton/icons/baton.svg")));

    ConsoleExtensions::registerBuiltInExtensions();
    ConsoleSession session;
    TokenStore *tokens = TokenStore::createDefault(&app);
    MainWindow window(&session, tokens, settings.get());
    if (!options->theme.isEmpty())
        window.setTheme(*Theme::variantFromName(options->theme));
    window.setProfiles(store.load(), resolved->profile, resolved->overrides);
    window.show();
    if (options->wall) {
        window.setViewMode(MainWindow::ViewMode::Wall);
        if (!ConsoleExtensions::wallFactory())
            printLine(stderr,
                QStringLiteral("baton-console: the wall display is not available in this build yet; "
                               "showing its placeholder (F11 returns to the operator view)"));
    }

    if (!options->screenshotPath.isEmpty()) {
        // --wall without a view of its own is a picture of the wall (the default view would leave wall mode).
        const QString view
            = options->wall && !options->screenshotViewGiven ? QStringLiteral("wall") : options->screenshotView;
        const QString path = options->screenshotPath;
        // Open the requested view half way, so the data it shows had time to load. The busiest service and the
        // newest job make the most telling picture.
        // What the picture shows, for the line printed when it is written (scripts and tests read it).
        auto shown = std::make_shared<QString>(view);
        QTimer::singleShot(options->screenshotAfterMs / 2, &window, [&window, &session, view, shown] {
            QString service;
            int waiting = -1;
            for (const QString &name : session.services()->serviceNames()) {
                const ServiceStatus *s = session.services()->service(name);
                const int w = int(s->waiting.size()) * 1000 + s->instances;
                if (w > waiting) {
                    waiting = w;
                    service = name;
                }
            }
            if (!service.isEmpty())
                window.servicesView()->selectService(service);
            const bool jobView = view == u"timeline" || view == u"capacity";
            qint64 job = jobView ? session.jobs()->busiestActiveJob() : 0;
            if (job == 0 && session.jobs()->rowCount() > 0)
                job = session.jobs()->jobIdAt(0);
            if (job > 0)
                window.jobTable()->selectJob(job);
            if (view == u"services" || view == u"max-offline")
                window.showPage(MainWindow::Page::Services);
            else if (view == u"health")
                window.showPage(MainWindow::Page::Health);
            else if (view == u"wall")
                window.setViewMode(MainWindow::ViewMode::Wall);
            else
                window.showPage(MainWindow::Page::Jobs);
            if (jobView) {
                // The Timeline and Capacity tabs are extensions: say so when this build has neither.
                const QString tab = view == u"timeline" ? QStringLiteral("Timeline") : QStringLiteral("Capacity");
                if (!window.detailPane()->showDetailTab(tab))
                    *shown = QStringLiteral("%1 (no such tab in this build)").arg(view);
                else
                    *shown = job > 0 ? QStringLiteral("%1 of job %2").arg(view).arg(job)
                                     : QStringLiteral("%1 (no job yet)").arg(view);
            }
            if (view == u"launch")
                window.openLaunchDialog();
            if (view == u"max-offline" && !service.isEmpty()) {
                if (MaxOfflineEditor *editor = window.openMaxOfflineEditor(service)) {
                    const ServiceBudget &b = editor->base().budget;
                    editor->setCandidate(MaxOffline::count(std::max(1, b.limit() + 1)));
                }
            }
        });
        QTimer::singleShot(options->screenshotAfterMs, &window, [&window, path, view, shown] {
            QWidget *dialog = nullptr;
            if (view == u"launch")
                dialog = window.findChild<LaunchDialog *>();
            else if (view == u"max-offline")
                dialog = window.findChild<MaxOfflineEditor *>();
            const QImage image = render(window, dialog);
            QImageWriter writer(path, "png");
            if (!writer.write(image)) {
                printLine(stderr, QStringLiteral("baton-console: cannot write %1: %2").arg(path, writer.errorString()));
                QCoreApplication::exit(1);
                return;
            }
            printLine(stdout,
                QStringLiteral("baton-console: wrote %1 (%2×%3): %4")
                    .arg(path)
                    .arg(image.width())
                    .arg(image.height())
                    .arg(*shown));
            QCoreApplication::exit(0);
        });
    }
    return app.exec();
}
