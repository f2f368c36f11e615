#pragma once

#include "models/connectionprofile.h"

#include <optional>

#include <QDialog>
#include <QHash>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace Baton {

// Manages the connection profiles: add, edit and remove environments, and set their tokens. Tokens are only
// written here (password fields start empty; leaving them empty keeps what is stored); the owner stores them.
class ProfileDialog : public QDialog
{
    Q_OBJECT

public:
    struct TokenEdit
    {
        std::optional<QByteArray> jobService; // set: store this (empty: forget it)
        std::optional<QByteArray> consul;
    };

    ProfileDialog(const QList<ConnectionProfile> &profiles, const QString &current, const QString &tokenStorage,
        QWidget *parent = nullptr);

    QList<ConnectionProfile> profiles() const { return m_profiles; }
    QString currentProfile() const;
    QHash<QString, TokenEdit> tokenEdits() const { return m_tokens; }
    QStringList problems() const;

private:
    void load(int row);
    void store();
    void refreshList();

    QList<ConnectionProfile> m_profiles;
    QHash<QString, TokenEdit> m_tokens;
    int m_row = -1;
    QListWidget *m_list;
    QLineEdit *m_name;
    QLineEdit *m_jobService;
    QLineEdit *m_consul;
    QLineEdit *m_datacenter;
    QLineEdit *m_prefix;
    QLineEdit *m_caFile;
    QCheckBox *m_readOnly;
    QCheckBox *m_production;
    QLineEdit *m_jobToken;
    QLineEdit *m_consulToken;
    QCheckBox *m_clearTokens;
    QLabel *m_problems;
    QPushButton *m_ok;
};

} // namespace Baton
