//! The operating systems a simulated node can run: which one the shells
//! imitate, and how the node names it when it registers.

use serde::{Deserialize, Serialize};
use sysman_api::fleet::PlatformType;

/// The operating systems a simulated node can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SimPlatform {
    AmazonLinux2023,
    Ubuntu2204,
    Ubuntu2404,
    Rhel9,
    Debian12,
    WindowsServer2019,
    WindowsServer2022,
    MacOs14,
}

impl SimPlatform {
    pub fn platform_type(self) -> PlatformType {
        match self {
            SimPlatform::WindowsServer2019 | SimPlatform::WindowsServer2022 => {
                PlatformType::Windows
            }
            SimPlatform::MacOs14 => PlatformType::MacOS,
            _ => PlatformType::Linux,
        }
    }

    /// PlatformName and PlatformVersion as the agent reports them.
    pub fn name_and_version(self) -> (&'static str, &'static str) {
        match self {
            SimPlatform::AmazonLinux2023 => ("Amazon Linux", "2023"),
            SimPlatform::Ubuntu2204 => ("Ubuntu", "22.04"),
            SimPlatform::Ubuntu2404 => ("Ubuntu", "24.04"),
            SimPlatform::Rhel9 => ("Red Hat Enterprise Linux", "9.4"),
            SimPlatform::Debian12 => ("Debian GNU/Linux", "12"),
            SimPlatform::WindowsServer2019 => {
                ("Microsoft Windows Server 2019 Datacenter", "10.0.17763")
            }
            SimPlatform::WindowsServer2022 => {
                ("Microsoft Windows Server 2022 Datacenter", "10.0.20348")
            }
            SimPlatform::MacOs14 => ("macOS", "14.6.1"),
        }
    }
}
