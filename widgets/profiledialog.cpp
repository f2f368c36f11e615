#include "widgets/profiledialog.h"

#include "widgets/theme.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace Baton {

ProfileDialog::ProfileDialog(
    const QList<ConnectionProfile> &profiles, const QString &current, const QString &tokenStorage, QWidget *parent)
    : QDialog(parent)
    , m_profiles(profiles)
    , m_list(new QListWidget(this))
    , m_name(new QLineEdit(this))
    , m_jobService(new QLineEdit(this))
    , m_consul(new QLineEdit(this))
    , m_datacenter(new QLineEdit(this))
    , m_prefix(new QLineEdit(this))
    , m_caFile(new QLineEdit(this))
    , m_readOnly(new QCheckBox(QStringLiteral("Read-only: no launching, cancelling or tuning"), this))
    , m_production(new QCheckBox(QStringLiteral("Production: mark it in red, confirm by typing"), this))
    , m_jobToken(new QLineEdit(this))
    , m_consulToken(new QLineEdit(this))
    , m_clearTokens(new QCheckBox(QStringLiteral("Forget the stored tokens of this profile"), this))
    , m_problems(new QLabel(this))
{
    setWindowTitle(QStringLiteral("Connection profiles"));
    setObjectName(QStringLiteral("profileDialog"));
    m_name->setObjectName(QStringLiteral("profileName"));
    m_jobService->setObjectName(QStringLiteral("jobServiceUrl"));
    m_consul->setObjectName(QStringLiteral("consulUrl"));
    m_jobToken->setObjectName(QStringLiteral("jobServiceToken"));
    m_consulToken->setObjectName(QStringLiteral("consulToken"));
    m_readOnly->setObjectName(QStringLiteral("readOnly"));
    m_production->setObjectName(QStringLiteral("production"));
    m_jobService->setPlaceholderText(QStringLiteral("https://baton.example.org:8443"));
    m_consul->setPlaceholderText(QStringLiteral("https://consul.example.org:8501"));
    m_datacenter->setPlaceholderText(QStringLiteral("the agent's own"));
    m_caFile->setPlaceholderText(QStringLiteral("system trust store"));
    for (QLineEdit *t : { m_jobToken, m_consulToken }) {
        t->setEchoMode(QLineEdit::Password);
        t->setPlaceholderText(QStringLiteral("unchanged"));
    }

    auto *browse = new QPushButton(QStringLiteral("…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, QStringLiteral("CA certificates (PEM)"), m_caFile->text(),
            QStringLiteral("PEM files (*.pem *.crt);;All files (*)"));
        if (!f.isEmpty())
            m_caFile->setText(f);
    });
    auto *ca = new QHBoxLayout;
    ca->addWidget(m_caFile, 1);
    ca->addWidget(browse);

    auto *form = new QFormLayout;
    form->addRow(QStringLiteral("Name"), m_name);
    form->addRow(QStringLiteral("Job service URL"), m_jobService);
    form->addRow(QStringLiteral("Job service token"), m_jobToken);
    form->addRow(QStringLiteral("Consul URL"), m_consul);
    form->addRow(QStringLiteral("Consul token"), m_consulToken);
    form->addRow(QStringLiteral("Datacenter"), m_datacenter);
    form->addRow(QStringLiteral("KV prefix"), m_prefix);
    form->addRow(QStringLiteral("CA file"), ca);
    form->addRow(QString(), m_readOnly);
    form->addRow(QString(), m_production);
    form->addRow(QString(), m_clearTokens);
    auto *storage
        = new QLabel(QStringLiteral("Tokens are kept in %1, never in the settings file.").arg(tokenStorage), this);
    storage->setWordWrap(true);
    form->addRow(QString(), storage);

    auto *add = new QPushButton(QStringLiteral("Add"), this);
    auto *remove = new QPushButton(QStringLiteral("Remove"), this);
    auto *left = new QVBoxLayout;
    left->addWidget(m_list, 1);
    auto *lb = new QHBoxLayout;
    lb->addWidget(add);
    lb->addWidget(remove);
    left->addLayout(lb);

    auto *top = new QHBoxLayout;
    top->addLayout(left, 1);
    top->addLayout(form, 3);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_problems->setWordWrap(true);
    m_problems->setStyleSheet(QStringLiteral("color: %1").arg(Theme::current().color(Theme::Role::Critical).name()));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top, 1);
    layout->addWidget(m_problems);
    layout->addWidget(buttons);

    connect(add, &QPushButton::clicked, this, [this] {
        store();
        ConnectionProfile p;
        p.name = QStringLiteral("new profile %1").arg(m_profiles.size() + 1);
        p.jobServiceUrl = QUrl(QStringLiteral("http://127.0.0.1:8080"));
        m_profiles.append(p);
        refreshList();
        m_list->setCurrentRow(int(m_profiles.size()) - 1);
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (m_row < 0 || m_row >= m_profiles.size())
            return;
        m_profiles.removeAt(m_row);
        m_row = -1;
        refreshList();
        m_list->setCurrentRow(std::min(int(m_profiles.size()) - 1, 0));
    });
    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
        store();
        load(row);
    });
    for (QLineEdit *e : { m_name, m_jobService, m_consul, m_datacenter, m_prefix, m_caFile })
        connect(e, &QLineEdit::textChanged, this, [this] {
            store();
            const QStringList p = problems();
            m_problems->setText(p.join(u'\n'));
            m_ok->setEnabled(p.isEmpty());
        });
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        store();
        if (problems().isEmpty())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    refreshList();
    int start = 0;
    for (int i = 0; i < m_profiles.size(); ++i) {
        if (m_profiles[i].name == current)
            start = i;
    }
    m_list->setCurrentRow(m_profiles.isEmpty() ? -1 : start);
    resize(760, 460);
}

void ProfileDialog::refreshList()
{
    const QSignalBlocker block(m_list);
    m_list->clear();
    for (const ConnectionProfile &p : m_profiles)
        m_list->addItem(p.label());
    m_list->setCurrentRow(m_row);
}

void ProfileDialog::load(int row)
{
    m_row = row;
    const bool has = row >= 0 && row < m_profiles.size();
    for (QWidget *w : std::initializer_list<QWidget *> { m_name, m_jobService, m_consul, m_datacenter, m_prefix,
             m_caFile, m_readOnly, m_production, m_jobToken, m_consulToken, m_clearTokens })
        w->setEnabled(has);
    if (!has)
        return;
    const ConnectionProfile &p = m_profiles[row];
    const QSignalBlocker a(m_name), b(m_jobService), c(m_consul), d(m_datacenter), e(m_prefix), f(m_caFile);
    m_name->setText(p.name);
    m_jobService->setText(p.jobServiceUrl.toString());
    m_consul->setText(p.consulUrl.toString());
    m_datacenter->setText(p.datacenter);
    m_prefix->setText(p.keyPrefix);
    m_caFile->setText(p.caFile);
    m_readOnly->setChecked(p.readOnly);
    m_production->setChecked(p.production);
    m_jobToken->clear();
    m_consulToken->clear();
    m_clearTokens->setChecked(false);
}

void ProfileDialog::store()
{
    if (m_row < 0 || m_row >= m_profiles.size())
        return;
    ConnectionProfile &p = m_profiles[m_row];
    const QString oldName = p.name;
    p.name = m_name->text().trimmed();
    p.jobServiceUrl = QUrl(m_jobService->text().trimmed());
    p.consulUrl = QUrl(m_consul->text().trimmed());
    p.datacenter = m_datacenter->text().trimmed();
    p.keyPrefix = m_prefix->text().trimmed();
    p.caFile = m_caFile->text().trimmed();
    p.readOnly = m_readOnly->isChecked();
    p.production = m_production->isChecked();
    TokenEdit edit = m_tokens.take(oldName);
    if (m_clearTokens->isChecked()) {
        edit.jobService = QByteArray();
        edit.consul = QByteArray();
    }
    if (!m_jobToken->text().isEmpty())
        edit.jobService = m_jobToken->text().toUtf8();
    if (!m_consulToken->text().isEmpty())
        edit.consul = m_consulToken->text().toUtf8();
    if (edit.jobService || edit.consul)
        m_tokens.insert(p.name, edit);
    if (QListWidgetItem *item = m_list->item(m_row))
        item->setText(p.label());
}

QString ProfileDialog::currentProfile() const
{
    return m_row >= 0 && m_row < m_profiles.size() ? m_profiles[m_row].name : QString();
}

QStringList ProfileDialog::problems() const
{
    QStringList out;
    QStringList names;
    for (const ConnectionProfile &p : m_profiles) {
        for (const QString &problem : p.problems())
            out << QStringLiteral("%1: %2").arg(p.name.isEmpty() ? QStringLiteral("(unnamed)") : p.name, problem);
        if (names.contains(p.name))
            out << QStringLiteral("Two profiles are called \"%1\".").arg(p.name);
        names << p.name;
    }
    return out;
}

} // namespace Baton
