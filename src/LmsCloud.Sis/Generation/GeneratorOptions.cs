namespace LmsCloud.Sis.Generation;

/// <summary>Size and shape of a generated OneRoster package. The same options always give the same bytes.</summary>
public sealed record GeneratorOptions
{
    public int Students { get; init; } = 50_000;
    public int Teachers { get; init; } = 4_000;
    public int Classes { get; init; } = 20_000;

    /// <summary>Classes per student (fewer when the student's school has fewer classes). With the defaults about 350k
    /// student enrollments plus one teacher enrollment per class.</summary>
    public int EnrollmentsPerStudent { get; init; } = 7;

    /// <summary>Fraction of students with a guardian user (listed in the student's agentSourcedIds); every fourth of
    /// those students has a second guardian.</summary>
    public double GuardiansPerStudent { get; init; } = 0.6;

    public int Seed { get; init; } = 1;
    public string DistrictName { get; init; } = "Generated Unified School District";

    /// <summary>"1.1" or "1.2" (1.2: roles.csv, users.csv without role/orgSourcedIds).</summary>
    public string Version { get; init; } = "1.1";

    /// <summary>Fraction of students whose givenName differs from the base package (for a "1% change" re-import).
    /// Everything else stays byte-for-byte identical to the package generated with the same options and 0.</summary>
    public double ChangedFraction { get; init; } = 0;
}
