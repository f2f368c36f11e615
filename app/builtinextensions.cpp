#include "app/capacityextension.h"
#include "app/consoleextensions.h"
#include "app/consolesession.h"
#include "app/wallextension.h"
#include "models/noderunmodel.h"
#include "models/timelinemodel.h"
#include "widgets/timelineview.h"

#include <QAbstractItemModel>
#include <QVBoxLayout>

namespace Baton::ConsoleExtensions {

// The per-node timeline of the selected job, as a tab of the detail pane: the timeline model follows the node
// model's job (a new selection, a refreshed snapshot) and the live events of that job.
static QWidget *createTimelineTab(ConsoleSession *session, QWidget *parent)
{
    // The model is created before the view in a common parent, so it is destroyed first: the view is still whole
    // when it hears about it.
    auto *tab = new QWidget(parent);
    tab->setObjectName(QStringLiteral("timelineTab"));
    auto *model = new TimelineModel(tab);
    auto *view = new TimelineView(tab);
    auto *layout = new QVBoxLayout(tab);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view);
    view->setModel(model);
    NodeRunModel *nodes = session->nodes();
    auto load = [model, nodes] {
        if (nodes->hasJob())
            model->setJob(nodes->job());
        else
            model->clear();
    };
    QObject::connect(nodes, &QAbstractItemModel::modelReset, view, load);
    QObject::connect(session, &ConsoleSession::eventsReceived, view, [model, nodes](const QList<JobEvent> &events) {
        if (!nodes->hasJob())
            return;
        for (const JobEvent &e : events) {
            if (e.jobId == nodes->jobId())
                model->applyEvent(e);
        }
    });
    QObject::connect(view, &TimelineView::nodeActivated, session,
        [session](qint64 jobId, const QString &node) { session->followLog(jobId, node); });
    load();
    return tab;
}

void registerBuiltInExtensions()
{
    static bool done = false;
    if (done)
        return;
    done = true;
    addJobDetailTab(QStringLiteral("Timeline"), &createTimelineTab);
    addJobDetailTab(QStringLiteral("Capacity"), &createCapacityTab);
    setWallFactory(&createWallPage);
}

} // namespace Baton::ConsoleExtensions
