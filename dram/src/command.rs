//! DRAM commands as they cross the command bus: what the controller records and the checker
//! replays.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A DRAM command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CommandKind {
    /// Activate: open `row` in a bank.
    Act,
    /// Precharge one bank.
    Pre,
    /// Precharge every bank of the rank.
    PreA,
    /// Read a burst from the open row.
    Rd,
    /// Write a burst to the open row.
    Wr,
    /// Read, then precharge automatically.
    RdA,
    /// Write, then precharge automatically.
    WrA,
    /// All-bank refresh of the rank.
    Ref,
    /// Power-down entry: CKE goes low on an idle rank (JESD79-4 PDE). Precharge power-down if
    /// every bank of the rank is closed, active power-down if one is open. Not a command on the
    /// CA bus (CKE is its own pin), so it takes no command-bus slot.
    Pde,
    /// Power-down exit: CKE goes high again (PDX); the rank takes its next command tXP later.
    Pdx,
}

impl CommandKind {
    /// Travels on the column command bus (RD/WR and their auto-precharge forms).
    pub const fn is_column(self) -> bool {
        matches!(
            self,
            CommandKind::Rd | CommandKind::Wr | CommandKind::RdA | CommandKind::WrA
        )
    }

    /// A read, with or without auto-precharge.
    pub const fn is_read(self) -> bool {
        matches!(self, CommandKind::Rd | CommandKind::RdA)
    }

    /// A write, with or without auto-precharge.
    pub const fn is_write(self) -> bool {
        matches!(self, CommandKind::Wr | CommandKind::WrA)
    }

    /// Closes the bank after the access.
    pub const fn auto_precharge(self) -> bool {
        matches!(self, CommandKind::RdA | CommandKind::WrA)
    }

    /// A CKE transition (PDE, PDX) rather than a command on the command bus.
    pub const fn is_power_down(self) -> bool {
        matches!(self, CommandKind::Pde | CommandKind::Pdx)
    }

    /// JEDEC mnemonic.
    pub const fn name(self) -> &'static str {
        match self {
            CommandKind::Act => "ACT",
            CommandKind::Pre => "PRE",
            CommandKind::PreA => "PREA",
            CommandKind::Rd => "RD",
            CommandKind::Wr => "WR",
            CommandKind::RdA => "RDA",
            CommandKind::WrA => "WRA",
            CommandKind::Ref => "REF",
            CommandKind::Pde => "PDE",
            CommandKind::Pdx => "PDX",
        }
    }
}

/// One command on the bus. Fields a command does not use (row of a RD, bank of a REF) are 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Command {
    /// DRAM clock at which it is issued.
    pub cycle: u64,
    /// What it is.
    pub kind: CommandKind,
    /// Rank.
    pub rank: u8,
    /// Bank group.
    pub bg: u8,
    /// Bank within the group.
    pub bank: u8,
    /// Row (ACT; for RD/WR the controller also records the open row).
    pub row: u32,
    /// Column in bus words (RD/WR), burst aligned.
    pub col: u32,
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.kind.name(), self.cycle)?;
        match self.kind {
            CommandKind::PreA | CommandKind::Ref | CommandKind::Pde | CommandKind::Pdx => {
                write!(f, " ra{}", self.rank)
            }
            CommandKind::Pre => write!(f, " ra{} bg{} ba{}", self.rank, self.bg, self.bank),
            CommandKind::Act => write!(
                f,
                " ra{} bg{} ba{} row {}",
                self.rank, self.bg, self.bank, self.row
            ),
            _ => write!(
                f,
                " ra{} bg{} ba{} row {} col {}",
                self.rank, self.bg, self.bank, self.row, self.col
            ),
        }
    }
}
