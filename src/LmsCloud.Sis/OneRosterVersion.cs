namespace LmsCloud.Sis;

/// <summary>The OneRoster CSV versions we read. 1.0 has no manifest; 1.2.0 and 1.2.1 differ in users.csv columns.</summary>
public enum OneRosterVersion { V1_0, V1_1, V1_2_0, V1_2_1 }
