#include "app/wallextension.h"

#include "app/consolesession.h"
#include "core/base/timestamps.h"
#include "core/jobs/eventstream.h"
#include "core/jobs/jobserviceclient.h"
#include "models/servicebudgetmodel.h"
#include "models/timelinejobs.h"
#include "widgets/walldisplay.h"
#include "widgets/walllayout.h"

#include <QAction>
#include <QPointer>
#include <QScreen>
#include <QVBoxLayout>
#include <QWindow>

namespace Baton {

namespace {

// The page in the main window's stack. It owns the wall's models; the wall only reads them.
class WallPage : public QWidget
{
public:
    WallPage(ConsoleSession *session, QWidget *parent)
        : QWidget(parent)
        , m_session(session)
        , m_jobs(new TimelineJobs(this))
        , m_wall(new WallDisplay(m_jobs, this))
    {
        setObjectName(QStringLiteral("wallPage"));
        auto *layout = new QVBoxLayout(this);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->addWidget(m_wall);

        // Events: every batch of the session's stream, after its own models saw it.
        connect(session, &ConsoleSession::eventsReceived, this, [this](const QList<JobEvent> &events) {
            for (const JobEvent &e : events)
                m_jobs->applyEvent(e);
            markUpdate();
        });
        // A job the wall has not seen (started before the wall, or while it was away): fetch it whole.
        connect(m_jobs, &TimelineJobs::jobUnknown, this, [this](qint64 id) { fetchJob(id); });
        connect(session, &ConsoleSession::resynced, this, [this] { loadActive(); });
        connect(session, &ConsoleSession::profileApplied, this, [this] {
            m_jobs->clear();
            loadActive();
            watchStream();
            updateBudgets();
        });

        // Budgets from the Consul watches, as the services table shows them.
        connect(session, &ConsoleSession::servicesChanged, this, [this] { updateBudgets(); });
        if (ServiceBudgetModel *services = session->services()) {
            connect(services, &QAbstractItemModel::modelReset, this, [this] { updateBudgets(); });
            connect(services, &QAbstractItemModel::dataChanged, this, [this] { updateBudgets(); });
            connect(services, &QAbstractItemModel::rowsInserted, this, [this] { updateBudgets(); });
            connect(services, &QAbstractItemModel::rowsRemoved, this, [this] { updateBudgets(); });
        }
        connect(m_wall, &WallDisplay::exitRequested, this, [this] { leaveWallMode(); });

        watchStream();
        loadActive();
        updateBudgets();
    }

protected:
    void showEvent(QShowEvent *event) override
    {
        QWidget::showEvent(event);
        QWidget *w = window();
        if (w && w != this) {
            // Full screen while the wall shows; the window gets its state back when wall mode ends.
            if (!w->isFullScreen()) {
                m_restoreState = w->windowState();
                m_madeFullScreen = true;
                w->showFullScreen();
            }
            if (QScreen *screen = w->screen())
                m_wall->useScreenKey(WallLayout::screenKey(screen->name(), screen->geometry()));
        }
        m_wall->setFocus();
    }

    void hideEvent(QHideEvent *event) override
    {
        QWidget::hideEvent(event);
        QWidget *w = window();
        if (m_madeFullScreen && w && w != this && w->isFullScreen()) {
            w->setWindowState(m_restoreState);
            w->show();
        }
        m_madeFullScreen = false;
    }

private:
    void fetchJob(qint64 id)
    {
        if (!m_session->client())
            return;
        QPointer<TimelineJobs> jobs = m_jobs;
        m_session->client()->job(id, this, [jobs](Result<Job> r) {
            if (jobs && r)
                jobs->applyJob(*r);
        });
    }

    // The jobs in progress, whole (the list endpoint may send counts without nodes).
    void loadActive()
    {
        if (!m_session->jobServiceConfigured() || !m_session->client())
            return;
        JobQuery q;
        q.states = { JobState::Queued, JobState::Running, JobState::Cancelling };
        q.limit = TimelineJobs::kMaxJobs;
        m_session->client()->listJobs(q, this, [this](Result<JobPage> page) {
            if (!page)
                return;
            for (const Job &j : std::as_const(page->jobs)) {
                if (j.nodes.isEmpty())
                    fetchJob(j.id);
                else
                    m_jobs->applyJob(j);
            }
        });
    }

    void updateBudgets()
    {
        QList<ServiceBudget> budgets;
        if (ServiceBudgetModel *services = m_session->services()) {
            for (const QString &name : services->serviceNames()) {
                if (const ServiceStatus *s = services->service(name))
                    budgets << s->budget;
            }
        }
        m_wall->setServiceBudgets(budgets);
    }

    void watchStream()
    {
        EventStream *stream = m_session->stream();
        if (!stream || stream == m_stream)
            return;
        if (m_stream)
            disconnect(m_stream, nullptr, this, nullptr);
        m_stream = stream;
        connect(stream, &EventStream::stateChanged, this, [this](EventStream::State) { showConnection(); });
        connect(stream, &EventStream::heartbeatReceived, this, [this] { markUpdate(); });
        connect(stream, &EventStream::errorOccurred, this, [this](const Error &e) {
            m_lastError = e.toString();
            showConnection();
        });
        showConnection();
    }

    void markUpdate()
    {
        m_lastUpdate = Timestamps::nowMs();
        showConnection();
    }

    void showConnection()
    {
        WallDisplay::Connection c = WallDisplay::Connection::Disconnected;
        if (m_stream) {
            switch (m_stream->state()) {
            case EventStream::State::Live:
                c = WallDisplay::Connection::Connected;
                m_lastError.clear();
                break;
            case EventStream::State::Connecting:
            case EventStream::State::Waiting:
                c = WallDisplay::Connection::Connecting;
                break;
            case EventStream::State::Idle:
            case EventStream::State::Stopped:
                c = WallDisplay::Connection::Disconnected;
                break;
            }
        }
        m_wall->setConnection(c, m_lastUpdate, c == WallDisplay::Connection::Connected ? QString() : m_lastError);
    }

    void leaveWallMode()
    {
        // The main window's own toggle, so its state (menu check mark, page) stays right.
        if (auto *action = window()->findChild<QAction *>(QStringLiteral("wallAction"))) {
            if (action->isChecked())
                action->trigger();
        }
    }

    ConsoleSession *m_session;
    TimelineJobs *m_jobs;
    WallDisplay *m_wall;
    QPointer<EventStream> m_stream;
    qint64 m_lastUpdate = 0;
    QString m_lastError;
    Qt::WindowStates m_restoreState = Qt::WindowNoState;
    bool m_madeFullScreen = false;
};

} // namespace

QWidget *createWallPage(ConsoleSession *session, QWidget *parent)
{
    if (!session)
        return nullptr;
    return new WallPage(session, parent);
}

} // namespace Baton
