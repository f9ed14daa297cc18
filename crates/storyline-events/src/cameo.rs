//! CAMEO event codes and the PLOVER types they map to (`CAMEO2PLOVER-2021.txt`, PLOVER manual
//! draft 0.8), so that CAMEO-coded gold sentences can be scored in PLOVER types.
//!
//! The table lists codes such as `0311: AGREE, , economic # …`; a code is mapped by its longest
//! listed prefix ("1717" by "171", "174L" by "174"). Two-digit family lines are ambiguous in the
//! table (`08` is listed as both CONCEDE and RETREAT), so only codes of three or more digits
//! decide. Codes the table does not reach (01x statements, 02x appeals, the 9xx codes of test
//! suites) have no PLOVER type.

use std::collections::HashMap;
use std::path::Path;

use crate::PloverType;

/// The CAMEO → PLOVER table.
#[derive(Debug, Clone, Default)]
pub struct CameoTable {
    codes: HashMap<String, PloverType>,
}

impl CameoTable {
    /// Parses the table's text.
    pub fn parse(text: &str) -> CameoTable {
        let mut codes = HashMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((code, rest)) = line.split_once(':') else { continue };
            let code = code.trim();
            if code.len() < 3 || !code.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let name = rest.split(',').next().unwrap_or("").trim();
            if let Some(t) = PloverType::parse(name) {
                codes.entry(code.to_string()).or_insert(t);
            }
        }
        CameoTable { codes }
    }

    /// Reads the table from a file.
    pub fn read(path: &Path) -> std::io::Result<CameoTable> {
        Ok(CameoTable::parse(&std::fs::read_to_string(path)?))
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The PLOVER type of a CAMEO code as gold files write it: `"064"`, `"1717"`,
    /// `"190_use_conventional_military_force"` (the digits before any name are the code).
    pub fn plover_of(&self, code: &str) -> Option<PloverType> {
        let digits: String = code.trim().chars().take_while(|c| c.is_ascii_digit()).collect();
        (3..=digits.len()).rev().find_map(|n| self.codes.get(&digits[..n]).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# header\n08: CONCEDE\n080: CONCEDE,   ,  # Yield\n08: RETREAT \n0871: RETREAT, ceasefire,\n\
                          171: COERCE, seize,\n1712: ASSAULT, seize,\n190: ASSAULT, ,\n";

    #[test]
    fn longest_prefix_decides() {
        let t = CameoTable::parse(SAMPLE);
        assert_eq!(t.plover_of("080"), Some(PloverType::Concede));
        assert_eq!(t.plover_of("0871"), Some(PloverType::Retreat));
        assert_eq!(t.plover_of("1717"), Some(PloverType::Coerce));
        assert_eq!(t.plover_of("1712"), Some(PloverType::Assault));
        assert_eq!(t.plover_of("190_use_conventional_military_force"), Some(PloverType::Assault));
    }

    #[test]
    fn unlisted_and_family_codes_have_no_type() {
        let t = CameoTable::parse(SAMPLE);
        assert_eq!(t.plover_of("08"), None);
        assert_eq!(t.plover_of("023"), None);
        assert_eq!(t.plover_of("---"), None);
        assert_eq!(t.plover_of(""), None);
    }
}
