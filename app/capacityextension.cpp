#include "app/capacityextension.h"

#include "app/consolesession.h"
#include "core/base/timestamps.h"
#include "models/capacitybudget.h"
#include "models/capacityhistory.h"
#include "models/noderunmodel.h"
#include "models/servicebudgetmodel.h"
#include "widgets/budgetgauge.h"
#include "widgets/chartcapacity.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QHash>
#include <QLabel>
#include <QVBoxLayout>

namespace Baton {

namespace {

class CapacityPage : public QWidget
{
public:
    CapacityPage(ConsoleSession *session, QWidget *parent)
        : QWidget(parent)
        , m_session(session)
        , m_chart(new ChartCapacity(this))
        , m_empty(new QLabel(this))
    {
        setObjectName(QStringLiteral("capacityTab"));
        auto *layout = new QVBoxLayout(this);
        layout->setContentsMargins(4, 4, 4, 4);
        m_gauges = new QHBoxLayout;
        layout->addLayout(m_gauges);
        layout->addWidget(m_chart, 1);
        m_empty->setAlignment(Qt::AlignCenter);
        m_empty->setText(tr("Select a job to see the capacity of its services."));
        layout->addWidget(m_empty);

        if (ServiceBudgetModel *services = session->services()) {
            connect(services, &QAbstractItemModel::modelReset, this, [this] { record(); });
            connect(services, &QAbstractItemModel::dataChanged, this, [this] { record(); });
            connect(services, &QAbstractItemModel::rowsInserted, this, [this] { record(); });
        }
        connect(session, &ConsoleSession::servicesChanged, this, [this] { record(); });
        if (NodeRunModel *nodes = session->nodes())
            connect(nodes, &QAbstractItemModel::modelReset, this, [this] { showJob(); });
        connect(session, &ConsoleSession::eventsReceived, this, [this](const QList<JobEvent> &events) {
            const qint64 id = m_session->nodes() ? m_session->nodes()->jobId() : 0;
            for (const JobEvent &e : events) {
                if (e.jobId == id && id != 0) {
                    updateGauges();
                    return;
                }
            }
        });
        record();
        showJob();
    }

protected:
    // The chart keeps the theme it was made with; the window's theme can change later (--theme, View → Dark
    // theme), and a new application palette reaches every widget as these events.
    void changeEvent(QEvent *event) override
    {
        if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
            m_chart->setTheme(Theme::current());
        QWidget::changeEvent(event);
    }

private:
    // Every service's capacity, at every Consul update, whether or not a job of it is selected.
    void record()
    {
        ServiceBudgetModel *services = m_session->services();
        if (!services)
            return;
        const qint64 now = Timestamps::nowMs();
        for (const QString &name : services->serviceNames()) {
            const ServiceStatus *s = services->service(name);
            if (!s)
                continue;
            CapacityHistory *&h = m_histories[name];
            if (!h)
                h = new CapacityHistory(name, this);
            h->addBudget(now, s->budget);
        }
        updateGauges();
    }

    QStringList jobServices() const
    {
        QStringList out;
        const NodeRunModel *nodes = m_session->nodes();
        if (!nodes || !nodes->hasJob())
            return out;
        const Job &job = nodes->job();
        if (!job.spec.target.service.isEmpty())
            out << job.spec.target.service;
        for (const NodeRun &r : job.nodes) {
            if (!r.service.isEmpty() && !out.contains(r.service))
                out << r.service;
        }
        return out;
    }

    void showJob()
    {
        const QStringList services = jobServices();
        m_empty->setVisible(services.isEmpty());
        m_chart->setVisible(!services.isEmpty());
        m_chart->setHistory(services.isEmpty() ? nullptr : history(services.first()));
        const NodeRunModel *nodes = m_session->nodes();
        m_chart->setSince(nodes && nodes->hasJob() ? nodes->job().createdAtMs : 0);
        updateGauges();
    }

    CapacityHistory *history(const QString &service)
    {
        CapacityHistory *&h = m_histories[service];
        if (!h)
            h = new CapacityHistory(service, this);
        return h;
    }

    void updateGauges()
    {
        const QStringList services = jobServices();
        while (m_gaugeWidgets.size() > services.size())
            delete m_gaugeWidgets.takeLast();
        while (m_gaugeWidgets.size() < services.size()) {
            auto *g = new BudgetGauge(this);
            m_gauges->addWidget(g);
            m_gaugeWidgets << g;
        }
        const NodeRunModel *nodes = m_session->nodes();
        const QList<BudgetRun> runs = nodes && nodes->hasJob() ? budgetRunsOf(nodes->job()) : QList<BudgetRun>();
        const qint64 jobId = nodes ? nodes->jobId() : 0;
        ServiceBudgetModel *model = m_session->services();
        for (int i = 0; i < services.size(); ++i) {
            const ServiceStatus *s = model ? model->service(services[i]) : nullptr;
            ServiceBudget b;
            if (s) {
                b = s->budget;
            } else {
                b.service = services[i]; // not (yet) known to Consul: the gauge says so by showing nothing offline
            }
            m_gaugeWidgets[i]->setBudget(CapacityBudget::compute(b, jobId, runs));
        }
    }

    ConsoleSession *m_session;
    ChartCapacity *m_chart;
    QLabel *m_empty;
    QHBoxLayout *m_gauges = nullptr;
    QList<BudgetGauge *> m_gaugeWidgets;
    QHash<QString, CapacityHistory *> m_histories;
};

} // namespace

QWidget *createCapacityTab(ConsoleSession *session, QWidget *parent)
{
    if (!session)
        return nullptr;
    return new CapacityPage(session, parent);
}

} // namespace Baton
