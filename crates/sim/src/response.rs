//! A finished answer before transport concerns (headers, drop), and the panels' error envelope.

use crate::rules::{FieldError, Validator};
use crate::util::W;
use serde_json::{Value, json};

pub const GENERIC_DETAIL: &str =
    "An unexpected error was encountered while processing this request, please try again.";
const NOT_FOUND_DETAIL: &str = "The requested resource could not be found on the server.";

/// A finished answer before transport concerns (headers, drop) are applied.
#[derive(Debug)]
pub struct Out {
    pub status: u16,
    pub body: Body,
}

#[derive(Debug)]
pub enum Body {
    Empty,
    Json(String),
    /// Bytes with their own content type (file contents, which need not be UTF-8).
    Bytes(&'static str, Vec<u8>),
}

impl Out {
    pub fn json(status: u16, s: String) -> Out {
        Out {
            status,
            body: Body::Json(s),
        }
    }
    pub fn bytes(status: u16, content_type: &'static str, b: Vec<u8>) -> Out {
        Out {
            status,
            body: Body::Bytes(content_type, b),
        }
    }
    pub fn empty() -> Out {
        Out {
            status: 204,
            body: Body::Empty,
        }
    }
}

#[derive(Debug)]
pub struct ApiErr {
    pub status: u16,
    pub code: &'static str,
    pub detail: String,
    pub fields: Vec<FieldError>,
    /// Literal body overriding the envelope (PL's `[]`).
    pub raw: Option<&'static str>,
    /// Seconds for a `Retry-After` header (throttles answering 429).
    pub retry_after: Option<u64>,
}

impl ApiErr {
    pub fn new(status: u16, code: &'static str, detail: impl Into<String>) -> ApiErr {
        ApiErr {
            status,
            code,
            detail: detail.into(),
            fields: Vec::new(),
            raw: None,
            retry_after: None,
        }
    }
    pub fn not_found() -> ApiErr {
        ApiErr::new(404, "NotFoundHttpException", NOT_FOUND_DETAIL)
    }
    pub fn display(code: &'static str, detail: impl Into<String>) -> ApiErr {
        ApiErr::new(400, code, detail)
    }
    pub fn server(code: &'static str) -> ApiErr {
        ApiErr::new(500, code, GENERIC_DETAIL)
    }
    pub fn validation(fields: Vec<FieldError>) -> ApiErr {
        ApiErr {
            fields,
            ..ApiErr::new(422, "ValidationException", "")
        }
    }
    /// Whether Laravel turns this into a redirect for clients that do not expect JSON.
    pub fn redirects(&self) -> bool {
        self.status == 401
            || self.status == 422
            || (self.status == 400
                && !matches!(
                    self.code,
                    "BadRequestHttpException" | "InvalidFilterQuery" | "InvalidSortQuery"
                ))
    }
    pub fn body(&self) -> String {
        if let Some(r) = self.raw {
            return r.to_string();
        }
        let errors: Vec<Value> = if self.fields.is_empty() {
            vec![
                json!({"code": self.code, "status": self.status.to_string(), "detail": self.detail}),
            ]
        } else {
            self.fields
                .iter()
                .map(|f| {
                    // Errors added after the rules ran (`$validator->after`) have no rule.
                    let rule = (!f.rule.is_empty()).then_some(f.rule.as_str());
                    json!({"code": self.code, "status": self.status.to_string(), "detail": f.detail,
                           "meta": {"source_field": f.field, "rule": rule}})
                })
                .collect()
        };
        // Key order of the real body (code, status, detail, meta) via a tiny manual writer.
        let mut w = W::new();
        w.obj();
        w.key("errors");
        w.arr();
        for e in &errors {
            w.obj();
            for k in ["code", "status", "detail", "meta"] {
                if let Some(v) = e.get(k) {
                    w.k_value(k, v);
                }
            }
            w.end_obj();
        }
        w.end_arr();
        w.end_obj();
        w.s
    }
}

pub type Res = Result<Out, ApiErr>;

/// The validator's errors as the 422 answer, or nothing when all rules passed.
pub fn validate(v: Validator) -> Result<(), ApiErr> {
    if v.ok() {
        Ok(())
    } else {
        Err(ApiErr::validation(v.errors))
    }
}
