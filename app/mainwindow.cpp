#include "app/mainwindow.h"

#include "app/applogging.h"
#include "app/consoleextensions.h"
#include "app/consolesession.h"
#include "app/profilestore.h"
#include "app/tokenstore.h"
#include "app/traynotifier.h"
#include "core/jobs/jobserviceclient.h"
#include "models/connectionstatusmodel.h"
#include "models/healthmodel.h"
#include "models/joblistmodel.h"
#include "models/noderunmodel.h"
#include "models/servicebudgetmodel.h"
#include "widgets/canceldialog.h"
#include "widgets/connectionindicator.h"
#include "widgets/healthview.h"
#include "widgets/jobdetailpane.h"
#include "widgets/jobfilterbar.h"
#include "widgets/jobtableview.h"
#include "widgets/launchdialog.h"
#include "widgets/maxofflineeditor.h"
#include "widgets/profilebanner.h"
#include "widgets/profiledialog.h"
#include "widgets/servicesview.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

// The icons are compiled into baton_app, a static library: its resources are registered by name, once, from the
// global namespace (Q_INIT_RESOURCE's rule).
static void initConsoleResources()
{
    static bool done = false;
    if (!done) {
        Q_INIT_RESOURCE(baton);
        done = true;
    }
}

namespace Baton {

namespace {
QIcon icon(const char *name)
{
    return QIcon(QStringLiteral(":/baton/icons/%1.svg").arg(QLatin1StringView(name)));
}
} // namespace

MainWindow::MainWindow(ConsoleSession *session, TokenStore *tokens, QSettings *settings, QWidget *parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_tokens(tokens)
    , m_settings(settings)
    , m_tray((initConsoleResources(), new TrayNotifier(this)))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Baton Console"));
    setWindowIcon(icon("baton"));
    buildActions();
    buildPages();
    buildToolbar();
    buildMenus();

    m_indicator = new ConnectionIndicator(m_session->connections(), this);
    statusBar()->addPermanentWidget(m_indicator);
    connect(m_indicator, &ConnectionIndicator::clicked, this, &MainWindow::openConnections);

    connect(m_session, &ConsoleSession::message, this, [this](const QString &t) { showMessage(t); });
    connect(m_session, &ConsoleSession::resynced, this, [this](const QString &reason) {
        showMessage(QStringLiteral("Resynchronised with the job service: %1").arg(reason));
    });
    connect(m_session, &ConsoleSession::launchedJobFinished, this, &MainWindow::notifyLaunched);
    connect(m_session, &ConsoleSession::launchedJobHalted, this, [this](qint64 id, const QString &reason) {
        const QString title = QStringLiteral("Job %1 halted").arg(id);
        if (!m_tray->notify(title, reason, true))
            showMessage(QStringLiteral("%1: %2").arg(title, reason));
    });
    connect(m_session, &ConsoleSession::jobBecameStuck, this, [this](qint64 id) {
        const QString text = QStringLiteral("Job %1 looks stuck (no progress for a long time, or past its timeout). "
                                            "Right-click it to force a cancel.")
                                 .arg(id);
        if (!m_session->launchedHere(id) || !m_tray->notify(QStringLiteral("Job %1 stuck").arg(id), text, true))
            showMessage(text, 30000);
        updateActions();
    });
    connect(m_session, &ConsoleSession::playbooksChanged, m_filterBar, &JobFilterBar::setPlaybooks);
    connect(m_session, &ConsoleSession::servicesChanged, this, [this] {
        m_filterBar->setServices(m_session->knownServices());
        const bool consul = m_session->consulAvailable();
        m_servicesView->setStatusText(
            consul ? QString() : QStringLiteral("Consul is not reachable: the table shows what was last read."));
        m_healthView->setStatusText(
            consul ? QString() : QStringLiteral("Consul is not reachable: showing what was last read."));
    });
    connect(m_session->connections(), &ConnectionStatusModel::stateChanged, this,
        [this](ConnectionStatusModel::Link link, ConnectionStatusModel::State state) {
            if (link == ConnectionStatusModel::Link::Consul && state == ConnectionStatusModel::State::Down) {
                m_servicesView->setStatusText(
                    QStringLiteral("Consul is not reachable: the table shows what was last read."));
                m_healthView->setStatusText(QStringLiteral("Consul is not reachable: showing what was last read."));
            }
            if (state == ConnectionStatusModel::State::Unauthorized)
                showMessage(m_session->connections()->status(link).lastError.message, 30000);
            updateActions();
        });
    connect(m_session->jobs(), &JobListModel::ticked, this, &MainWindow::refreshSummary);
    connect(m_session->jobs(), &QAbstractItemModel::modelReset, this, &MainWindow::refreshSummary);
    connect(m_session, &ConsoleSession::profileApplied, this, [this] {
        applyReadOnly();
        refreshSummary();
    });

    restoreState();
    applyReadOnly();
    updateActions();
}

MainWindow::~MainWindow() = default;

// ---- construction ----

void MainWindow::buildActions()
{
    m_launch = new QAction(icon("launch"), QStringLiteral("&Launch…"), this);
    m_launch->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    m_launch->setToolTip(QStringLiteral("Launch a job (Ctrl+L)"));
    m_launch->setObjectName(QStringLiteral("launchAction"));
    connect(m_launch, &QAction::triggered, this, [this] { openLaunchDialog(); });

    m_cancel = new QAction(icon("cancel"), QStringLiteral("&Cancel job…"), this);
    m_cancel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_cancel->setObjectName(QStringLiteral("cancelAction"));
    connect(m_cancel, &QAction::triggered, this, [this] { openCancelJob(m_jobTable->currentJobId()); });

    m_relaunch = new QAction(QStringLiteral("&Relaunch failed nodes…"), this);
    m_relaunch->setObjectName(QStringLiteral("relaunchAction"));
    connect(m_relaunch, &QAction::triggered, this,
        [this] { openRelaunch(m_jobTable->currentJobId(), m_session->nodes()->failedNodes()); });

    m_refresh = new QAction(icon("refresh"), QStringLiteral("&Refresh"), this);
    m_refresh->setShortcut(QKeySequence::Refresh);
    connect(m_refresh, &QAction::triggered, m_session, &ConsoleSession::refresh);

    m_find = new QAction(QStringLiteral("&Find job"), this);
    m_find->setShortcut(QKeySequence::Find);
    connect(m_find, &QAction::triggered, this, [this] {
        showPage(Page::Jobs);
        m_filterBar->focusText();
    });

    m_profilesAction = new QAction(icon("profile"), QStringLiteral("&Profiles…"), this);
    m_profilesAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    connect(m_profilesAction, &QAction::triggered, this, &MainWindow::openProfiles);

    m_connectionsAction = new QAction(QStringLiteral("&Connections…"), this);
    connect(m_connectionsAction, &QAction::triggered, this, &MainWindow::openConnections);

    m_wallAction = new QAction(icon("wall"), QStringLiteral("&Wall display"), this);
    m_wallAction->setCheckable(true);
    m_wallAction->setShortcut(QKeySequence(Qt::Key_F11));
    m_wallAction->setObjectName(QStringLiteral("wallAction"));
    connect(m_wallAction, &QAction::toggled, this,
        [this](bool on) { setViewMode(on ? ViewMode::Wall : ViewMode::Operate); });
    // Also an action of the window itself: the menu bar and toolbar are hidden in wall mode, and F11 must still
    // bring the operator view back.
    addAction(m_wallAction);

    m_darkAction = new QAction(QStringLiteral("&Dark theme"), this);
    m_darkAction->setCheckable(true);
    connect(m_darkAction, &QAction::toggled, this,
        [this](bool on) { setTheme(on ? Theme::Variant::Dark : Theme::Variant::Light); });

    m_stuckAction = new QAction(QStringLiteral("Flag runs as &stuck after…"), this);
    connect(m_stuckAction, &QAction::triggered, this, [this] {
        bool ok = false;
        const int minutes = QInputDialog::getInt(this, QStringLiteral("Stuck runs"),
            QStringLiteral("Flag a run as stuck after this many minutes without "
                           "an event (0: only when past its timeout):"),
            m_settings->value(QStringLiteral("stuckAfterMinutes"), 10).toInt(), 0, 24 * 60, 1, &ok);
        if (!ok)
            return;
        m_settings->setValue(QStringLiteral("stuckAfterMinutes"), minutes);
        m_session->setStuckAfterMs(qint64(minutes) * 60 * 1000);
    });

    m_notifyAction = new QAction(QStringLiteral("&Notify when my jobs finish"), this);
    m_notifyAction->setCheckable(true);
    connect(m_notifyAction, &QAction::toggled, this, [this](bool on) {
        m_tray->setEnabled(on);
        m_settings->setValue(QStringLiteral("notifications"), on);
    });

    m_quit = new QAction(QStringLiteral("&Quit"), this);
    m_quit->setShortcut(QKeySequence::Quit);
    connect(m_quit, &QAction::triggered, this, &QWidget::close);

    const QStringList names { QStringLiteral("&Jobs"), QStringLiteral("&Services"), QStringLiteral("&Health") };
    for (int i = 0; i < names.size(); ++i) {
        auto *a = new QAction(names[i], this);
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(a, &QAction::triggered, this, [this, i] { showPage(Page(i)); });
        m_pageActions << a;
    }
}

void MainWindow::buildToolbar()
{
    auto *bar = addToolBar(QStringLiteral("Main"));
    bar->setObjectName(QStringLiteral("mainToolbar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addWidget(new QLabel(QStringLiteral(" Profile "), bar));
    m_profileBox = new QComboBox(bar);
    m_profileBox->setObjectName(QStringLiteral("profileSwitcher"));
    m_profileBox->setMinimumContentsLength(18);
    m_profileBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_profileBox->setToolTip(QStringLiteral("Switch environment"));
    bar->addWidget(m_profileBox);
    connect(m_profileBox, &QComboBox::activated, this, [this](int index) {
        if (index >= 0 && index < m_profiles.size() && m_profiles[index].name != m_profile.name)
            applyProfile(m_profiles[index]);
    });
    bar->addAction(m_profilesAction);
    bar->addSeparator();
    bar->addAction(m_launch);
    bar->addAction(m_cancel);
    bar->addAction(m_refresh);
    bar->addSeparator();
    bar->addAction(m_wallAction);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(QStringLiteral("&Console"));
    file->addAction(m_profilesAction);
    file->addAction(m_connectionsAction);
    file->addSeparator();
    file->addAction(m_quit);
    QMenu *jobs = menuBar()->addMenu(QStringLiteral("&Jobs"));
    jobs->addAction(m_launch);
    jobs->addAction(m_cancel);
    jobs->addAction(m_relaunch);
    jobs->addSeparator();
    jobs->addAction(m_find);
    jobs->addAction(m_refresh);
    QMenu *view = menuBar()->addMenu(QStringLiteral("&View"));
    for (QAction *a : std::as_const(m_pageActions))
        view->addAction(a);
    view->addSeparator();
    view->addAction(m_wallAction);
    view->addAction(m_darkAction);
    view->addSeparator();
    view->addAction(m_stuckAction);
    view->addAction(m_notifyAction);
    QMenu *help = menuBar()->addMenu(QStringLiteral("&Help"));
    help->addAction(QStringLiteral("&About Baton Console"), this, [this] {
        QMessageBox::about(this, QStringLiteral("About Baton Console"),
            QStringLiteral("<b>Baton Console %1</b><p>Launch, watch and cancel rolling Ansible changes "
                           "gated by Consul.</p><p>Tokens are kept in %2.</p>")
                .arg(QCoreApplication::applicationVersion(), m_tokens->describe().toHtmlEscaped()));
    });
}

void MainWindow::buildPages()
{
    m_stack = new QStackedWidget(this);
    setCentralWidget(m_stack);

    m_operatePage = new QWidget(m_stack);
    auto *layout = new QVBoxLayout(m_operatePage);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_banner = new ProfileBanner(m_operatePage);
    layout->addWidget(m_banner);
    m_pages = new QTabWidget(m_operatePage);
    m_pages->setObjectName(QStringLiteral("pages"));
    m_pages->setDocumentMode(true);
    layout->addWidget(m_pages, 1);

    // Jobs page.
    auto *jobsPage = new QWidget(m_pages);
    auto *jl = new QVBoxLayout(jobsPage);
    jl->setContentsMargins(6, 6, 6, 0);
    m_filterBar = new JobFilterBar(jobsPage);
    jl->addWidget(m_filterBar);
    m_jobSplit = new QSplitter(Qt::Horizontal, jobsPage);
    m_jobSplit->setObjectName(QStringLiteral("jobSplit"));
    m_jobTable = new JobTableView(m_jobSplit);
    m_jobTable->setJobModel(m_session->jobs());
    m_detail = new JobDetailPane(m_session->nodes(), m_session->log(), m_jobSplit);
    m_jobSplit->addWidget(m_jobTable);
    m_jobSplit->addWidget(m_detail);
    m_jobSplit->setStretchFactor(0, 3);
    m_jobSplit->setStretchFactor(1, 2);
    jl->addWidget(m_jobSplit, 1);
    m_pages->addTab(jobsPage, QStringLiteral("Jobs"));
    for (const auto &[title, factory] : ConsoleExtensions::jobDetailTabs()) {
        if (QWidget *w = factory(m_session, m_detail))
            m_detail->addDetailTab(w, title);
    }

    connect(m_filterBar, &JobFilterBar::filterChanged, m_session, &ConsoleSession::setFilter);
    connect(m_jobTable, &JobTableView::currentJobChanged, this, [this](qint64 id) {
        m_session->selectJob(id);
        updateActions();
    });
    connect(m_jobTable, &JobTableView::contextMenuForJob, this, &MainWindow::jobContextMenu);
    connect(m_detail, &JobDetailPane::cancelJobRequested, this, &MainWindow::openCancelJob);
    connect(m_detail, &JobDetailPane::dropNodeRequested, this, &MainWindow::openDropNode);
    connect(m_detail, &JobDetailPane::forceKillNodeRequested, this, &MainWindow::openForceKillNode);
    connect(m_detail, &JobDetailPane::relaunchRequested, this, &MainWindow::openRelaunch);
    connect(m_detail, &JobDetailPane::nodeSelected, m_session, &ConsoleSession::followLog);

    // Services and health.
    m_servicesView = new ServicesView(m_session->services(), m_pages);
    m_pages->addTab(m_servicesView, QStringLiteral("Services"));
    connect(m_servicesView, &ServicesView::editMaxOfflineRequested, this,
        [this](const QString &s) { openMaxOfflineEditor(s); });
    m_healthView = new HealthView(m_session->health(), m_pages);
    m_pages->addTab(m_healthView, QStringLiteral("Health"));
    connect(m_healthView, &HealthView::releaseRequested, this, &MainWindow::openRelease);

    m_stack->addWidget(m_operatePage);

    // Wall mode: the wall display if one is built in, otherwise a plain statement that it is not.
    if (const auto factory = ConsoleExtensions::wallFactory())
        m_wallPage = factory(m_session, m_stack);
    if (!m_wallPage) {
        auto *label = new QLabel(QStringLiteral("<h2>Wall display</h2><p>The wall display is not available in this "
                                                "build yet.</p><p>Press F11 to go back to the operator view.</p>"),
            m_stack);
        label->setObjectName(QStringLiteral("wallUnavailable"));
        label->setAlignment(Qt::AlignCenter);
        label->setWordWrap(true);
        m_wallPage = label;
    }
    m_stack->addWidget(m_wallPage);
}

// ---- profiles ----

void MainWindow::setProfiles(
    const QList<ConnectionProfile> &saved, const ConnectionProfile &start, const ConnectionOverrides &overrides)
{
    m_profiles = saved;
    m_overrides = overrides;
    bool found = false;
    for (ConnectionProfile &p : m_profiles) {
        if (p.name == start.name) {
            p = start; // the command line may have changed its addresses for this run
            found = true;
        }
    }
    if (!found)
        m_profiles.prepend(start);
    const QSignalBlocker block(m_profileBox);
    m_profileBox->clear();
    for (const ConnectionProfile &p : std::as_const(m_profiles))
        m_profileBox->addItem(p.label());
    applyProfile(start);
}

void MainWindow::applyProfile(const ConnectionProfile &profile)
{
    m_profile = profile;
    for (int i = 0; i < m_profiles.size(); ++i) {
        if (m_profiles[i].name == profile.name) {
            const QSignalBlocker block(m_profileBox);
            m_profileBox->setCurrentIndex(i);
        }
    }
    m_banner->setProfile(profile.name, profile.production, profile.readOnly);
    setWindowTitle(QStringLiteral("Baton Console — %1").arg(profile.label()));
    ProfileStore(*m_settings).setCurrent(profile.name);
    connectWithTokens(profile);
    applyReadOnly();
}

void MainWindow::connectWithTokens(const ConnectionProfile &profile)
{
    const quint64 generation = ++m_connectGeneration;
    auto tokens = std::make_shared<ConsoleSession::Tokens>();
    tokens->consulCaFile = m_overrides.consulCaFile;
    // Read both tokens, then connect. The environment's tokens fill in where the store has none.
    m_tokens->read(
        profile.name, TokenStore::Kind::JobService, this, [this, generation, profile, tokens](Result<QByteArray> job) {
            if (generation != m_connectGeneration)
                return;
            if (!job)
                showMessage(QStringLiteral("Cannot read the job service token: %1").arg(job.error().message), 30000);
            tokens->jobService = job && !job->isEmpty() ? *job : m_overrides.jobServiceToken;
            m_tokens->read(profile.name, TokenStore::Kind::Consul, this,
                [this, generation, profile, tokens](Result<QByteArray> consul) {
                    if (generation != m_connectGeneration)
                        return;
                    if (!consul)
                        showMessage(
                            QStringLiteral("Cannot read the Consul token: %1").arg(consul.error().message), 30000);
                    tokens->consul = consul && !consul->isEmpty() ? *consul : m_overrides.consulToken;
                    m_session->connectTo(profile, *tokens);
                    m_session->setStuckAfterMs(
                        qint64(m_settings->value(QStringLiteral("stuckAfterMinutes"), 10).toInt()) * 60 * 1000);
                    m_filterBar->setFilter(m_session->filter());
                });
        });
}

void MainWindow::openProfiles()
{
    QList<ConnectionProfile> saved = ProfileStore(*m_settings).load();
    if (saved.isEmpty())
        saved = m_profiles;
    auto *dialog = new ProfileDialog(saved, m_profile.name, m_tokens->describe(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        ProfileStore store(*m_settings);
        store.save(dialog->profiles());
        const auto edits = dialog->tokenEdits();
        for (auto it = edits.cbegin(); it != edits.cend(); ++it) {
            const QString name = it.key();
            auto report = [this, name](Result<void> r) {
                if (!r)
                    showMessage(QStringLiteral("Token of %1 not stored: %2").arg(name, r.error().message), 30000);
            };
            if (it->jobService)
                m_tokens->write(name, TokenStore::Kind::JobService, *it->jobService, this, report);
            if (it->consul)
                m_tokens->write(name, TokenStore::Kind::Consul, *it->consul, this, report);
        }
        QList<ConnectionProfile> profiles = dialog->profiles();
        ConnectionProfile pick = profiles.isEmpty() ? m_profile : profiles.first();
        for (const ConnectionProfile &p : profiles) {
            if (p.name == dialog->currentProfile())
                pick = p;
        }
        setProfiles(profiles, pick, m_overrides);
    });
    dialog->open();
}

void MainWindow::openConnections()
{
    auto *dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(QStringLiteral("Connections"));
    auto *layout = new QVBoxLayout(dialog);
    auto *table = new QTableView(dialog);
    table->setModel(m_session->connections());
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->setWordWrap(true);
    table->resizeColumnsToContents();
    layout->addWidget(table);
    auto *note = new QLabel(QStringLiteral("Each connection reconnects by itself with back-off. Tokens are kept in %1.")
                                .arg(m_tokens->describe()),
        dialog);
    note->setWordWrap(true);
    layout->addWidget(note);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    auto *reconnect = buttons->addButton(QStringLiteral("Reconnect now"), QDialogButtonBox::ActionRole);
    connect(reconnect, &QPushButton::clicked, m_session, &ConsoleSession::refresh);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    layout->addWidget(buttons);
    dialog->resize(900, 260);
    dialog->open();
}

// ---- pages and modes ----

void MainWindow::showPage(Page page)
{
    if (m_mode == ViewMode::Wall)
        setViewMode(ViewMode::Operate);
    m_pages->setCurrentIndex(int(page));
}

MainWindow::Page MainWindow::currentPage() const
{
    return Page(m_pages->currentIndex());
}

void MainWindow::setViewMode(ViewMode mode)
{
    m_mode = mode;
    {
        const QSignalBlocker block(m_wallAction);
        m_wallAction->setChecked(mode == ViewMode::Wall);
    }
    m_stack->setCurrentWidget(mode == ViewMode::Wall ? m_wallPage : m_operatePage);
    // The wall is read-only and shows nothing but itself: no menu, toolbar (Launch, Cancel) or status bar.
    const bool operate = mode == ViewMode::Operate;
    menuBar()->setVisible(operate);
    statusBar()->setVisible(operate);
    for (QToolBar *bar : findChildren<QToolBar *>(QString(), Qt::FindDirectChildrenOnly))
        bar->setVisible(operate);
    updateActions();
    if (mode == ViewMode::Wall && m_wallPage->objectName() == u"wallUnavailable")
        showMessage(QStringLiteral("The wall display is not available in this build yet."));
}

void MainWindow::setTheme(Theme::Variant variant)
{
    const Theme theme = Theme::forVariant(variant);
    Theme::setCurrent(theme);
    QApplication::setPalette(theme.palette());
    {
        const QSignalBlocker block(m_darkAction);
        m_darkAction->setChecked(variant == Theme::Variant::Dark);
    }
    m_settings->setValue(QStringLiteral("theme"), Theme::variantName(variant));
    m_banner->setProfile(m_profile.name, m_profile.production, m_profile.readOnly);
    // Delegates read the theme when they paint; make every view paint again.
    for (QWidget *w : findChildren<QWidget *>())
        w->update();
}

void MainWindow::changeEvent(QEvent *event)
{
    QMainWindow::changeEvent(event);
}

void MainWindow::applyReadOnly()
{
    const bool ro = m_profile.readOnly;
    m_detail->setReadOnly(ro);
    m_servicesView->setReadOnly(ro);
    m_healthView->setReadOnly(ro);
    updateActions();
}

void MainWindow::updateActions()
{
    const bool ro = m_profile.readOnly || m_mode == ViewMode::Wall;
    const bool svc = m_session->jobServiceConfigured();
    const qint64 id = m_jobTable->currentJobId();
    const JobState state = m_session->jobs()->jobState(id);
    m_launch->setEnabled(!ro && svc);
    m_launch->setToolTip(
        ro ? QStringLiteral("Read-only profile: launching is off") : QStringLiteral("Launch a job (Ctrl+L)"));
    m_cancel->setEnabled(!ro && svc && id > 0 && !isTerminal(state));
    m_relaunch->setEnabled(!ro && svc && id > 0 && m_session->jobs()->jobCounts(id).failures() > 0);
    for (QAction *a : { m_launch, m_cancel, m_relaunch })
        a->setVisible(!ro);
}

void MainWindow::refreshSummary()
{
    const JobListModel *jobs = m_session->jobs();
    int running = 0;
    int stuck = 0;
    for (qint64 id : jobs->activeJobIds()) {
        ++running;
        stuck += jobs->isStuck(id);
    }
    QString text = QStringLiteral("%1 shown · %2 active").arg(jobs->rowCount()).arg(running);
    if (stuck)
        text += QStringLiteral(" · %1 stuck").arg(stuck);
    m_filterBar->setSummary(text);
    updateActions();
}

void MainWindow::showMessage(const QString &text, int timeoutMs)
{
    m_lastMessage = text;
    statusBar()->showMessage(text, timeoutMs);
    qCInfo(lcApp).noquote() << text;
}

void MainWindow::showError(const QString &title, const Error &error)
{
    showMessage(QStringLiteral("%1: %2").arg(title, error.message), 30000);
    auto *box = new QMessageBox(QMessageBox::Warning, title, error.message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("errorBox"));
    box->open();
}

void MainWindow::reportActionError(const QString &what, const Error &error)
{
    if (error.kind == Error::Kind::Cancelled)
        return;
    showError(what, error);
}

// ---- dialogs ----

LaunchDialog *MainWindow::openLaunchDialog()
{
    if (m_profile.readOnly) {
        showMessage(QStringLiteral("This profile is read-only: launching is off."));
        return nullptr;
    }
    LaunchContext ctx;
    ctx.playbooks = m_session->playbooks();
    ctx.services = m_session->services();
    ctx.consulAvailable = m_session->consulAvailable();
    JobListModel *jobs = m_session->jobs();
    ctx.estimate = [jobs](const QString &p, const QString &s) { return jobs->medianDurationS(p, s); };
    ctx.defaultPlaybook = m_settings->value(QStringLiteral("launch/lastPlaybook")).toString();
    ctx.defaultService = m_servicesView->currentService().isEmpty()
        ? m_settings->value(QStringLiteral("launch/lastService")).toString()
        : m_servicesView->currentService();
    auto *dialog = new LaunchDialog(ctx, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &LaunchDialog::launchRequested, this, [this, dialog](const JobSpec &spec, const QString &key) {
        m_settings->setValue(QStringLiteral("launch/lastPlaybook"), spec.playbook);
        m_settings->setValue(QStringLiteral("launch/lastService"), spec.target.service);
        m_session->launch(spec, key, dialog, [this, dialog](Result<Job> r) {
            if (!r) {
                dialog->launchFailed(r.error());
                return;
            }
            showMessage(QStringLiteral("Launched job %1 on %2 node(s).").arg(r->id).arg(r->nodes.size()));
            dialog->accept();
            showPage(Page::Jobs);
            m_session->jobs()->flush(); // the new row is in the model now, not at the next tick
            m_jobTable->selectJob(r->id);
        });
    });
    dialog->open();
    return dialog;
}

MaxOfflineEditor *MainWindow::openMaxOfflineEditor(const QString &service)
{
    const ServiceStatus *s = m_session->services()->service(service);
    if (!s) {
        showMessage(QStringLiteral("Consul knows no service %1.").arg(service));
        return nullptr;
    }
    if (m_profile.readOnly) {
        showMessage(QStringLiteral("This profile is read-only: changing max_offline is off."));
        return nullptr;
    }
    auto *editor = new MaxOfflineEditor(*s, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    // Consul changes while the editor is open reach it: a concurrent write shows up before Apply, not after.
    // So do the waiting queues, which come from the job list, not from Consul: the preview names who would start.
    auto follow = [this, editor, service] {
        if (const ServiceStatus *now = m_session->services()->service(service))
            editor->updateStatus(*now);
    };
    connect(m_session, &ConsoleSession::servicesChanged, editor, follow);
    connect(m_session->services(), &QAbstractItemModel::dataChanged, editor, follow);
    connect(editor, &MaxOfflineEditor::applyRequested, this,
        [this, editor](const QString &svc, const MaxOffline &value, quint64 index) {
            m_session->setMaxOffline(
                svc, value, index, editor, [this, editor, svc, value](Result<ConsoleSession::MaxOfflineWrite> r) {
                    if (!r) {
                        editor->applyFailed(r.error());
                        return;
                    }
                    if (!r->written) {
                        editor->showConflict(r->current);
                        showMessage(QStringLiteral("max_offline of %1 was changed by someone else first; nothing was "
                                                   "overwritten.")
                                        .arg(svc));
                        return;
                    }
                    showMessage(QStringLiteral("max_offline of %1 is now %2.").arg(svc, value.toString()));
                    editor->accept();
                });
        });
    editor->open();
    return editor;
}

void MainWindow::openCancelJob(qint64 jobId)
{
    if (jobId <= 0 || m_profile.readOnly)
        return;
    const JobListModel *jobs = m_session->jobs();
    CancelDialog::Target t;
    t.level = CancelDialog::Level::Job;
    t.jobId = jobId;
    t.service = jobs->jobService(jobId);
    const NodeCounts counts = jobs->jobCounts(jobId);
    t.runsInFlight = counts.active();
    t.jobSummary = QStringLiteral("%1 on %2 · %3").arg(jobs->jobPlaybook(jobId), t.service, counts.summary());
    t.production = m_profile.production;
    t.profileName = m_profile.name;
    t.stuck = jobs->isStuck(jobId);
    auto *dialog = new CancelDialog(t, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, jobId] {
        m_session->cancelJob(jobId, dialog->jobMode(), this, [this, jobId](Result<Job> r) {
            if (!r)
                reportActionError(QStringLiteral("Job %1 was not cancelled").arg(jobId), r.error());
            else
                showMessage(QStringLiteral("Cancel of job %1 requested.").arg(jobId));
        });
    });
    dialog->open();
}

void MainWindow::openDropNode(qint64 jobId, const QString &node)
{
    if (jobId <= 0 || node.isEmpty() || m_profile.readOnly)
        return;
    CancelDialog::Target t;
    t.level = CancelDialog::Level::DropNode;
    t.jobId = jobId;
    t.node = node;
    t.service = m_session->jobs()->jobService(jobId);
    t.production = m_profile.production;
    t.profileName = m_profile.name;
    auto *dialog = new CancelDialog(t, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, jobId, node] {
        m_session->cancelNode(jobId, node, NodeCancelMode::Drop, this, [this, node](Result<Job> r) {
            if (!r)
                reportActionError(QStringLiteral("%1 was not dropped").arg(node), r.error());
            else
                showMessage(QStringLiteral("%1 dropped.").arg(node));
        });
    });
    dialog->open();
}

void MainWindow::openForceKillNode(qint64 jobId, const QString &node)
{
    if (jobId <= 0 || node.isEmpty() || m_profile.readOnly)
        return;
    CancelDialog::Target t;
    t.level = CancelDialog::Level::ForceKillNode;
    t.jobId = jobId;
    t.node = node;
    t.service = m_session->jobs()->jobService(jobId);
    t.production = m_profile.production;
    t.profileName = m_profile.name;
    t.stuck = m_session->nodes()->isStuck(node);
    auto *dialog = new CancelDialog(t, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, jobId, node] {
        m_session->cancelNode(jobId, node, dialog->nodeMode(), this, [this, node](Result<Job> r) {
            if (!r)
                reportActionError(QStringLiteral("The run on %1 was not killed").arg(node), r.error());
            else
                showMessage(QStringLiteral("The run on %1 was killed.").arg(node));
        });
    });
    dialog->open();
}

void MainWindow::openRelaunch(qint64 jobId, const QStringList &nodes)
{
    if (jobId <= 0 || m_profile.readOnly)
        return;
    const QString list = nodes.isEmpty() ? QStringLiteral("every failed node") : nodes.join(QStringLiteral(", "));
    auto *box = new QMessageBox(QMessageBox::Question, QStringLiteral("Relaunch job %1").arg(jobId),
        QStringLiteral("Start a new job with the same playbook and variables for %1?").arg(list), QMessageBox::Cancel,
        this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("relaunchBox"));
    QPushButton *go = box->addButton(QStringLiteral("Relaunch"), QMessageBox::AcceptRole);
    connect(box, &QMessageBox::buttonClicked, this, [this, go, jobId, nodes](QAbstractButton *b) {
        if (b != go)
            return;
        m_session->relaunch(jobId, nodes, this, [this, jobId](Result<Job> r) {
            if (!r) {
                reportActionError(QStringLiteral("Job %1 was not relaunched").arg(jobId), r.error());
                return;
            }
            showMessage(
                QStringLiteral("Job %1 relaunches job %2 on %3 node(s).").arg(r->id).arg(jobId).arg(r->nodes.size()));
            m_session->jobs()->flush();
            m_jobTable->selectJob(r->id);
        });
    });
    box->open();
}

void MainWindow::openRelease(const QString &node)
{
    if (node.isEmpty() || m_profile.readOnly)
        return;
    const HealthModel::Orphan o = m_session->health()->orphanState(node);
    QString text = QStringLiteral("Release %1? The job service runs the gate's release on it: maintenance off, wait "
                                  "for its checks to pass, give back any slot it holds. Its reason now: %2")
                       .arg(node, m_session->health()->maintenanceReason(node));
    if (o == HealthModel::Orphan::Manual)
        text += QStringLiteral("\n\nThis maintenance was not set by Baton: someone may be working on the node.");
    auto *box = new QMessageBox(
        QMessageBox::Question, QStringLiteral("Release %1").arg(node), text, QMessageBox::Cancel, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("releaseBox"));
    QPushButton *go = box->addButton(QStringLiteral("Release"), QMessageBox::AcceptRole);
    connect(box, &QMessageBox::buttonClicked, this, [this, go, node](QAbstractButton *b) {
        if (b != go)
            return;
        m_session->releaseNode(node, this, [this, node](Result<bool> r) {
            if (!r)
                reportActionError(QStringLiteral("%1 was not released").arg(node), r.error());
            else
                showMessage(QStringLiteral("Release of %1 started.").arg(node));
        });
    });
    box->open();
}

void MainWindow::jobContextMenu(qint64 id, const QPoint &globalPos)
{
    if (id <= 0)
        return;
    QMenu menu(this);
    const JobListModel *jobs = m_session->jobs();
    const bool active = !isTerminal(jobs->jobState(id));
    if (!m_profile.readOnly) {
        if (jobs->isStuck(id)) {
            // Stuck runs are one action away from a force cancel.
            menu.addAction(QStringLiteral("Force cancel (stuck)…"), this, [this, id] { openCancelJob(id); });
        }
        menu.addAction(QStringLiteral("Cancel job…"), this, [this, id] { openCancelJob(id); })->setEnabled(active);
        menu.addAction(QStringLiteral("Relaunch failed nodes…"), this, [this, id] { openRelaunch(id, {}); })
            ->setEnabled(jobs->jobCounts(id).failures() > 0);
        menu.addSeparator();
    }
    menu.addAction(
        QStringLiteral("Copy job id"), this, [id] { QApplication::clipboard()->setText(QString::number(id)); });
    menu.exec(globalPos);
}

void MainWindow::notifyLaunched(qint64 id, JobState state, const QString &summary)
{
    const QString title = TrayNotifier::titleFor(id, state);
    const bool problem = state == JobState::Failed || state == JobState::PartiallyFailed;
    if (!m_tray->notify(title, summary, problem))
        showMessage(QStringLiteral("%1: %2").arg(title, summary), 30000);
}

// ---- state ----

void MainWindow::restoreState()
{
    const QByteArray geometry = m_settings->value(QStringLiteral("window/geometry")).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1440, 880);
    QMainWindow::restoreState(m_settings->value(QStringLiteral("window/state")).toByteArray());
    m_jobSplit->restoreState(m_settings->value(QStringLiteral("window/jobSplit")).toByteArray());
    m_jobTable->horizontalHeader()->restoreState(m_settings->value(QStringLiteral("window/jobHeader")).toByteArray());
    m_pages->setCurrentIndex(m_settings->value(QStringLiteral("window/page"), 0).toInt());
    const QString theme = m_settings->value(QStringLiteral("theme"), QStringLiteral("light")).toString();
    setTheme(Theme::variantFromName(theme).value_or(Theme::Variant::Light));
    const bool notify = m_settings->value(QStringLiteral("notifications"), true).toBool();
    m_notifyAction->setChecked(notify);
    m_tray->setEnabled(notify);
}

void MainWindow::saveState()
{
    m_settings->setValue(QStringLiteral("window/geometry"), saveGeometry());
    m_settings->setValue(QStringLiteral("window/state"), QMainWindow::saveState());
    m_settings->setValue(QStringLiteral("window/jobSplit"), m_jobSplit->saveState());
    m_settings->setValue(QStringLiteral("window/jobHeader"), m_jobTable->horizontalHeader()->saveState());
    m_settings->setValue(QStringLiteral("window/page"), m_pages->currentIndex());
    m_settings->sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveState();
    QMainWindow::closeEvent(event);
}

} // namespace Baton
