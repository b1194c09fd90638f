//! Plugins installed into the database: one row per (scope, id, version), holding the
//! manifest text and the component bytes, so every process on the database loads the same.

use sqlx::Row;

use super::{Store, StoreError};

/// The scope of an instance-wide install.
const INSTANCE: &str = "";

/// An installed plugin version, without its component bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPlugin {
    /// `None`: the whole instance; `Some(ws)`: one workspace.
    pub workspace: Option<String>,
    pub id: String,
    pub version: String,
    /// The component's sha256, hex.
    pub sha256: String,
    /// Where it was installed from: a folder path or an OCI reference with its digest.
    pub source: String,
    /// The key that signed it, when it was verified.
    pub signer: Option<String>,
    pub installed_by: String,
    pub installed_at: i64,
}

/// A new install: the row and what it holds.
#[derive(Debug, Clone)]
pub struct NewInstall {
    pub meta: InstalledPlugin,
    pub manifest: String,
    pub component: Vec<u8>,
}

fn scope(workspace: Option<&str>) -> &str {
    workspace.unwrap_or(INSTANCE)
}

fn meta(r: &sqlx::any::AnyRow) -> Result<InstalledPlugin, sqlx::Error> {
    let scope: String = r.try_get(0)?;
    Ok(InstalledPlugin {
        workspace: (scope != INSTANCE).then_some(scope),
        id: r.try_get(1)?,
        version: r.try_get(2)?,
        sha256: r.try_get(3)?,
        source: r.try_get(4)?,
        signer: r.try_get(5)?,
        installed_by: r.try_get(6)?,
        installed_at: r.try_get(7)?,
    })
}

impl Store {
    /// Records `install`; `false` if that scope already holds that id and version.
    pub async fn install_plugin(&self, install: &NewInstall) -> Result<bool, StoreError> {
        let m = &install.meta;
        let done = sqlx::query(
            "INSERT INTO installed_plugins (scope, id, version, sha256, manifest, component, source, signer, installed_by, installed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (scope, id, version) DO NOTHING",
        )
        .bind(scope(m.workspace.as_deref()))
        .bind(&m.id)
        .bind(&m.version)
        .bind(&m.sha256)
        .bind(&install.manifest)
        .bind(&install.component)
        .bind(&m.source)
        .bind(&m.signer)
        .bind(&m.installed_by)
        .bind(m.installed_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every install of every scope, by scope, id and version (no component bytes).
    pub async fn installed_plugins(&self) -> Result<Vec<InstalledPlugin>, StoreError> {
        let rows = sqlx::query(
            "SELECT scope, id, version, sha256, source, signer, installed_by, installed_at FROM installed_plugins \
             ORDER BY scope, id, version",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(meta).collect::<Result<_, _>>()?)
    }

    /// The manifest text and component bytes of one install.
    pub async fn installed_component(
        &self,
        workspace: Option<&str>,
        id: &str,
        version: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = sqlx::query(
            "SELECT manifest, component FROM installed_plugins WHERE scope = $1 AND id = $2 AND version = $3",
        )
        .bind(scope(workspace))
        .bind(id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?))).transpose()?)
    }

    /// Removes one install; `false` if there was none.
    pub async fn remove_plugin(&self, workspace: Option<&str>, id: &str, version: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM installed_plugins WHERE scope = $1 AND id = $2 AND version = $3")
            .bind(scope(workspace))
            .bind(id)
            .bind(version)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
