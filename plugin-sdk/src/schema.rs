//! JSON Schemas of an action's input and output, generated from its Rust types.
//!
//! An action whose `Input` and `Output` derive [`schemars::JsonSchema`] gets its schemas
//! from its types: `roost plugin build` writes them into `plugin.toml`, and a test that
//! [`plugin!`](crate::plugin) generates fails when the manifest no longer matches the
//! types. An action whose types do not derive it keeps the schemas written by hand.

use std::marker::PhantomData;

use serde_json::Value;

/// The JSON Schema (draft 2020-12) of `T`, in the form `plugin.toml` holds it.
pub fn of<T: schemars::JsonSchema>() -> Value {
    let mut schema = schemars::SchemaGenerator::default().into_root_schema_for::<T>().to_value();
    drop_null_defaults(&mut schema);
    schema
}

/// TOML has no null, and `"default": null` only repeats what an optional field means.
fn drop_null_defaults(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            map.values_mut().for_each(drop_null_defaults);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_defaults),
        _ => {}
    }
}

/// Stands for type `T` while the [`Derived`] / [`NotDerived`] pair picks, at the call
/// site of a concrete type, whether `T` has a schema (autoref specialization).
pub struct Probe<T>(PhantomData<T>);

impl<T> Probe<T> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// Chosen first, when `T` derives `JsonSchema`.
pub trait Derived {
    fn schema(&self) -> Option<Value>;
}

impl<T: schemars::JsonSchema> Derived for Probe<T> {
    fn schema(&self) -> Option<Value> {
        Some(of::<T>()).filter(constrains)
    }
}

/// Whether `schema` says anything about a value: `serde_json::Value` derives a schema that
/// accepts everything, and a hand-written one says more.
fn constrains(schema: &Value) -> bool {
    const ANNOTATIONS: &[&str] = &["$schema", "title", "description", "default", "examples"];
    schema.as_object().is_some_and(|map| map.keys().any(|k| !ANNOTATIONS.contains(&k.as_str())))
}

/// Chosen otherwise: the action keeps the schema its manifest holds.
pub trait NotDerived {
    fn schema(&self) -> Option<Value>;
}

impl<T> NotDerived for &Probe<T> {
    fn schema(&self) -> Option<Value> {
        None
    }
}

/// The schema of `$ty` when it derives `JsonSchema`, else `None`.
#[doc(hidden)]
#[macro_export]
macro_rules! __schema_of {
    ($ty:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::{Derived as _, NotDerived as _};
        (&$crate::__private::Probe::<$ty>::new()).schema()
    }};
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)]
    struct WithSchema {
        text: String,
        #[serde(default)]
        limit: Option<u32>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct WithoutSchema {
        text: String,
    }

    #[test]
    fn a_deriving_type_has_a_schema_and_others_have_none() {
        let schema = crate::__schema_of!(WithSchema).expect("derived");
        assert_eq!(schema["required"], serde_json::json!(["text"]));
        assert_eq!(schema["properties"]["limit"]["type"], serde_json::json!(["integer", "null"]));
        assert!(schema["properties"]["limit"].get("default").is_none(), "null defaults are dropped");
        assert_eq!(crate::__schema_of!(WithoutSchema), None);
        assert_eq!(crate::__schema_of!(serde_json::Value), None, "a schema that accepts anything is no schema");
    }
}
