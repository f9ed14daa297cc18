//! The wire form of payloads: MessagePack with field names (rmp-serde). It keeps every serde
//! feature a self-describing format keeps (optional fields, tagged enums), and floats as four
//! or eight bytes, which matters for embeddings: see the crate's README figures.

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, rmp_serde::encode::Error> {
    rmp_serde::to_vec_named(value)
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, rmp_serde::decode::Error> {
    rmp_serde::from_slice(bytes)
}
