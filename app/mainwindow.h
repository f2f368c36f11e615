#pragma once

#include "core/base/error.h"
#include "core/domain/jobstate.h"
#include "models/connectionprofile.h"
#include "widgets/theme.h"

#include <QMainWindow>
#include <QPointer>

class QAction;
class QActionGroup;
class QComboBox;
class QLabel;
class QSettings;
class QSplitter;
class QStackedWidget;
class QTabWidget;

namespace Baton {

class ConsoleSession;
class ConnectionIndicator;
class HealthView;
class JobDetailPane;
class JobFilterBar;
class JobTableView;
class LaunchDialog;
class MaxOfflineEditor;
class ProfileBanner;
class ServicesView;
class TokenStore;
class TrayNotifier;

// The operator's window: a jobs page (filterable live list, detail pane with node runs, log and timeline), a
// services page (budgets, max_offline editor) and a health page (checks, maintenance, orphans), with the profile
// switcher and the actions in the toolbar and each connection's state in the status bar. Wall mode swaps the
// pages for the wall display (ConsoleExtensions).
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    enum class Page
    {
        Jobs,
        Services,
        Health
    };
    enum class ViewMode
    {
        Operate,
        Wall
    };

    MainWindow(ConsoleSession *session, TokenStore *tokens, QSettings *settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    // The profiles the switcher offers, and the one to start with (it may be a command-line profile that is not
    // saved). Tokens come from the token store, with `overrides` filling what it lacks.
    void setProfiles(
        const QList<ConnectionProfile> &saved, const ConnectionProfile &start, const ConnectionOverrides &overrides);
    void applyProfile(const ConnectionProfile &profile);
    const ConnectionProfile &currentProfile() const { return m_profile; }

    void showPage(Page page);
    Page currentPage() const;
    void setViewMode(ViewMode mode);
    ViewMode viewMode() const { return m_mode; }
    void setTheme(Theme::Variant variant);

    // The dialogs are window-modal and non-blocking (open(), not exec()): tests and screenshots find them.
    LaunchDialog *openLaunchDialog();
    MaxOfflineEditor *openMaxOfflineEditor(const QString &service);
    void openCancelJob(qint64 jobId);
    void openDropNode(qint64 jobId, const QString &node);
    void openForceKillNode(qint64 jobId, const QString &node);
    void openRelaunch(qint64 jobId, const QStringList &nodes);
    void openRelease(const QString &node);

    JobTableView *jobTable() const { return m_jobTable; }
    JobFilterBar *filterBar() const { return m_filterBar; }
    JobDetailPane *detailPane() const { return m_detail; }
    ServicesView *servicesView() const { return m_servicesView; }
    HealthView *healthView() const { return m_healthView; }
    ProfileBanner *banner() const { return m_banner; }
    ConnectionIndicator *connectionIndicator() const { return m_indicator; }
    QAction *launchAction() const { return m_launch; }
    QAction *cancelAction() const { return m_cancel; }
    QAction *relaunchAction() const { return m_relaunch; }
    QWidget *wallPage() const { return m_wallPage; }
    // The last message shown in the status bar (tests read what an operator would read).
    QString lastMessage() const { return m_lastMessage; }

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void buildActions();
    void buildToolbar();
    void buildMenus();
    void buildPages();
    void restoreState();
    void saveState();
    void applyReadOnly();
    void updateActions();
    void refreshSummary();
    void showMessage(const QString &text, int timeoutMs = 10000);
    void showError(const QString &title, const Error &error);
    void reportActionError(const QString &what, const Error &error);
    void connectWithTokens(const ConnectionProfile &profile);
    void openProfiles();
    void openConnections();
    void jobContextMenu(qint64 id, const QPoint &globalPos);
    void notifyLaunched(qint64 id, JobState state, const QString &summary);

    ConsoleSession *m_session;
    TokenStore *m_tokens;
    QSettings *m_settings;
    TrayNotifier *m_tray;
    ConnectionProfile m_profile;
    ConnectionOverrides m_overrides;
    QList<ConnectionProfile> m_profiles;
    quint64 m_connectGeneration = 0;
    ViewMode m_mode = ViewMode::Operate;
    QString m_lastMessage;

    QComboBox *m_profileBox = nullptr;
    QStackedWidget *m_stack = nullptr;
    QWidget *m_operatePage = nullptr;
    QWidget *m_wallPage = nullptr;
    ProfileBanner *m_banner = nullptr;
    QTabWidget *m_pages = nullptr;
    QSplitter *m_jobSplit = nullptr;
    JobFilterBar *m_filterBar = nullptr;
    JobTableView *m_jobTable = nullptr;
    JobDetailPane *m_detail = nullptr;
    ServicesView *m_servicesView = nullptr;
    HealthView *m_healthView = nullptr;
    ConnectionIndicator *m_indicator = nullptr;

    QAction *m_launch = nullptr;
    QAction *m_cancel = nullptr;
    QAction *m_relaunch = nullptr;
    QAction *m_refresh = nullptr;
    QAction *m_find = nullptr;
    QAction *m_profilesAction = nullptr;
    QAction *m_connectionsAction = nullptr;
    QAction *m_wallAction = nullptr;
    QAction *m_darkAction = nullptr;
    QAction *m_stuckAction = nullptr;
    QAction *m_notifyAction = nullptr;
    QAction *m_quit = nullptr;
    QList<QAction *> m_pageActions;
};

} // namespace Baton
