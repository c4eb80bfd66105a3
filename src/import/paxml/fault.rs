//! A fault (or warning) in a PAXml file, where the user finds it: the
//! element by its 1-based position, the line of its start tag, and the
//! child element or attribute concerned.

use serde::Serialize;
use serde_json::{json, Map};
use utoipa::ToSchema;

use crate::error::FieldError;

/// A fault in a PAXml file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct XmlFault {
    /// The element, e.g. `/paxml/tidtransaktioner/tidtrans[17]`; `/paxml`
    /// for the file as a whole.
    #[schema(example = "/paxml/tidtransaktioner/tidtrans[17]")]
    pub element: String,
    /// The line of the element's start tag (1-based).
    pub line: u64,
    /// The child element concerned (`starttid`, `tidkod`, …), if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child: Option<String>,
    /// The attribute concerned (`persnr`), if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    pub code: String,
    pub message: String,
    /// The other elements involved (the other side of an overlap).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
}

impl XmlFault {
    pub fn new(
        element: impl Into<String>,
        line: u64,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            element: element.into(),
            line,
            child: None,
            attribute: None,
            code: code.into(),
            message: message.into(),
            related: Vec::new(),
        }
    }

    /// A fault of the file as a whole (encoding, well-formedness).
    pub fn file(line: u64, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new("/paxml", line, code, message)
    }

    pub fn child(mut self, child: &str) -> Self {
        self.child = Some(child.to_string());
        self
    }

    pub fn attribute(mut self, attribute: &str) -> Self {
        self.attribute = Some(attribute.to_string());
        self
    }

    /// As an entry of a problem's `errors`.
    pub fn to_field_error(&self) -> FieldError {
        let mut extra = Map::new();
        extra.insert("element".into(), json!(self.element));
        extra.insert("line".into(), json!(self.line));
        if let Some(c) = &self.child {
            extra.insert("child".into(), json!(c));
        }
        if let Some(a) = &self.attribute {
            extra.insert("attribute".into(), json!(a));
        }
        if !self.related.is_empty() {
            extra.insert("related".into(), json!(self.related));
        }
        FieldError {
            pointer: None,
            field: None,
            code: self.code.clone(),
            message: self.message.clone(),
            extra,
        }
    }
}
