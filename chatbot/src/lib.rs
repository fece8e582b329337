//! The FAQ chatbot: finds the commune's FAQ entry that answers a French question, or says honestly
//! that it does not know.
//!
//! Empty until issue 3 builds it on tantivy; `borne ask` is not offered before it works.
