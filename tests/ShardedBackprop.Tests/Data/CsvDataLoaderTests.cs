using System.Text.RegularExpressions;
using ShardedBackprop.Data;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Data;

public sealed class CsvDataLoaderTests : IDisposable
{
    private const string Header = "IQ,level,Salary\n";

    // data/salary.csv typed out: IQ, level, Salary.
    private static readonly double[][] SalaryRows =
    [
        [3, 3, 50],
        [8, 55, 1000],
        [3, 8, 60],
        [4, 8, 65],
        [3, 2, 30],
        [9, 88, 5000],
        [3, 2, 35],
        [8, 6, 40],
    ];

    private readonly string _directory;

    public CsvDataLoaderTests()
    {
        _directory = Path.Combine(Path.GetTempPath(), "ShardedBackprop.Tests", nameof(CsvDataLoaderTests), Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string SalaryPath => TrainingSetup.DefaultDataPath;

    private string WriteCsv(string content, string name = "data.csv")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static double[] Column(int column) => [.. SalaryRows.Select(r => r[column])];

    private static double[] Interleave(params int[] columns) => [.. SalaryRows.SelectMany(r => columns.Select(c => r[c]))];

    [Fact]
    public void Should_load_the_bundled_salary_data_with_last_column_as_target()
    {
        // Arrange
        Assert.True(File.Exists(SalaryPath), $"the test project should copy the seed data to {SalaryPath}");

        // Act
        var table = CsvDataLoader.Load(SalaryPath);

        // Assert
        Assert.Equal(SalaryPath, table.Source);
        Assert.Equal(8, table.Rows);
        Assert.Equal(["IQ", "level"], table.FeatureNames);
        Assert.Equal(["Salary"], table.TargetNames);
        Assert.Equal(Interleave(0, 1), table.Features);
        Assert.Equal(Column(2), table.Targets);
        for (var r = 0; r < SalaryRows.Length; r++)
        {
            Assert.Equal(SalaryRows[r][..2], table.FeatureRow(r).ToArray());
            Assert.Equal(SalaryRows[r][2], Assert.Single(table.TargetRow(r).ToArray()));
        }
    }

    [Fact]
    public void Should_use_the_named_target_and_every_other_column_in_file_order_as_features()
    {
        // Act
        var table = CsvDataLoader.Load(SalaryPath, target: "IQ");

        // Assert
        Assert.Equal(["level", "Salary"], table.FeatureNames);
        Assert.Equal(["IQ"], table.TargetNames);
        Assert.Equal(Interleave(1, 2), table.Features);
        Assert.Equal(Column(0), table.Targets);
    }

    [Fact]
    public void Should_take_explicit_features_in_the_order_given()
    {
        // Act
        var table = CsvDataLoader.Load(SalaryPath, target: "Salary", features: ["level", "IQ"]);

        // Assert
        Assert.Equal(["level", "IQ"], table.FeatureNames);
        Assert.Equal(["Salary"], table.TargetNames);
        Assert.Equal(Interleave(1, 0), table.Features);
        Assert.Equal(Column(2), table.Targets);
    }

    [Fact]
    public void Should_load_only_the_listed_features()
    {
        // Act
        var table = CsvDataLoader.Load(SalaryPath, target: "IQ", features: ["Salary"]);

        // Assert
        Assert.Equal(["Salary"], table.FeatureNames);
        Assert.Equal(["IQ"], table.TargetNames);
        Assert.Equal(8, table.Rows);
        Assert.Equal(Column(2), table.Features);
        Assert.Equal(Column(0), table.Targets);
    }

    [Fact]
    public void Should_treat_an_empty_feature_list_as_every_column_but_the_target()
    {
        // Act
        var table = CsvDataLoader.Load(SalaryPath, target: "level", features: []);

        // Assert
        Assert.Equal(["IQ", "Salary"], table.FeatureNames);
        Assert.Equal(Interleave(0, 2), table.Features);
        Assert.Equal(Column(1), table.Targets);
    }

    [Fact]
    public void Should_unquote_quoted_header_names()
    {
        // Arrange
        var path = WriteCsv("\"I,Q\", \"level\" ,\"Sal \"\"ary\"\"\"\n3,3,50\n8,55,1000\n");

        // Act
        var table = CsvDataLoader.Load(path, target: "Sal \"ary\"", features: ["I,Q", "level"]);

        // Assert
        Assert.Equal(["I,Q", "level"], table.FeatureNames);
        Assert.Equal(["Sal \"ary\""], table.TargetNames);
        Assert.Equal([3.0, 3, 8, 55], table.Features);
        Assert.Equal([50.0, 1000], table.Targets);
    }

    [Fact]
    public void Should_read_quoted_and_space_padded_values()
    {
        // Arrange
        var path = WriteCsv(Header + "\"3\", 3 ,\"50.5\"\n 8 ,\"55\",1e3\n");

        // Act
        var table = CsvDataLoader.Load(path);

        // Assert
        Assert.Equal([3.0, 3, 8, 55], table.Features);
        Assert.Equal([50.5, 1000], table.Targets);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\n\n")]
    [InlineData("\n\n\n")]
    [InlineData("\r\n\r\n")]
    public void Should_ignore_blank_trailing_lines(string trailing)
    {
        // Arrange
        var path = WriteCsv(Header + "3,3,50\n8,55,1000" + trailing);

        // Act
        var table = CsvDataLoader.Load(path);

        // Assert
        Assert.Equal(2, table.Rows);
        Assert.Equal([3.0, 3, 8, 55], table.Features);
        Assert.Equal([50.0, 1000], table.Targets);
    }

    [Fact]
    public void Should_read_a_file_with_crlf_line_endings_like_one_with_lf()
    {
        // Arrange
        var path = WriteCsv(File.ReadAllText(SalaryPath).ReplaceLineEndings("\r\n"));

        // Act
        var table = CsvDataLoader.Load(path);

        // Assert
        Assert.Equal(Interleave(0, 1), table.Features);
        Assert.Equal(Column(2), table.Targets);
    }

    [Fact]
    public void Should_report_missing_file()
    {
        // Arrange
        var path = Path.Combine(_directory, "absent.csv");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}: data file not found", e.Message);
    }

    [Fact]
    public void Should_report_empty_file_on_line_1()
    {
        // Arrange
        var path = WriteCsv("");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:1: the file is empty; expected a header row such as IQ,level,Salary", e.Message);
    }

    [Theory]
    [InlineData("IQ,level,Salary")]
    [InlineData("IQ,level,Salary\n")]
    [InlineData("IQ,level,Salary\n\n")]
    public void Should_report_header_only_file_on_line_2(string content)
    {
        // Arrange
        var path = WriteCsv(content);

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert: the header is line 1, so the missing data starts on line 2.
        Assert.Equal($"{path}:2: no data rows after the header", e.Message);
    }

    [Fact]
    public void Should_report_line_of_row_with_too_few_columns()
    {
        // Arrange: the 2nd data row is line 3.
        var path = WriteCsv(Header + "3,3,50\n8,55\n3,8,60\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:3: expected 3 columns as in the header, found 2", e.Message);
    }

    [Fact]
    public void Should_report_line_of_row_with_too_many_columns()
    {
        // Arrange: the 4th data row is line 5.
        var path = WriteCsv(Header + "3,3,50\n8,55,1000\n3,8,60\n4,8,65,7\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:5: expected 3 columns as in the header, found 4", e.Message);
    }

    [Fact]
    public void Should_report_line_and_column_of_non_numeric_value()
    {
        // Arrange: the 3rd data row is line 4; 'level' is column 2.
        var path = WriteCsv(Header + "3,3,50\n8,55,1000\n3,abc,60\n4,8,65\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:4:2: 'abc' in column 'level' is not a number", e.Message);
    }

    [Fact]
    public void Should_report_line_and_column_of_non_numeric_target()
    {
        // Arrange: the 1st data row is line 2; 'Salary' is column 3.
        var path = WriteCsv(Header + "3,3,lots\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:2:3: 'lots' in column 'Salary' is not a number", e.Message);
    }

    [Fact]
    public void Should_report_the_file_column_of_a_bad_value_when_features_are_reordered()
    {
        // Arrange: 'IQ' is column 1 of the file even though it is the second feature.
        var path = WriteCsv(Header + "3,3,50\nx,55,1000\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path, features: ["level", "IQ"]));

        // Assert
        Assert.Equal($"{path}:3:1: 'x' in column 'IQ' is not a number", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"\"")]
    public void Should_report_line_and_column_of_empty_value(string value)
    {
        // Arrange: the 3rd data row is line 4; 'level' is column 2.
        var path = WriteCsv(Header + $"3,3,50\n8,55,1000\n3,{value},60\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:4:2: empty value in column 'level'", e.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    public void Should_report_line_and_column_of_non_finite_value(string value)
    {
        // Arrange: the 2nd data row is line 3; 'Salary' is column 3.
        var path = WriteCsv(Header + $"3,3,50\n8,55,{value}\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:3:3: '{value}' in column 'Salary' is not a finite number", e.Message);
    }

    [Fact]
    public void Should_count_blank_lines_when_reporting_a_later_line()
    {
        // Arrange: line 3 is blank, the bad value is on line 4.
        var path = WriteCsv(Header + "3,3,50\n\n3,x,60\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:4:2: 'x' in column 'level' is not a number", e.Message);
    }

    [Fact]
    public void Should_count_line_breaks_inside_quoted_values_when_reporting_a_later_line()
    {
        // Arrange: the first data row spans lines 2 and 3, so the bad value is on line 4.
        var path = WriteCsv(Header + "\"3\n\",3,50\n3,x,60\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:4:2: 'x' in column 'level' is not a number", e.Message);
    }

    [Fact]
    public void Should_report_unknown_target_name_on_the_header_line()
    {
        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(SalaryPath, target: "Pay"));

        // Assert
        Assert.Equal($"{SalaryPath}:1: no target column named 'Pay'; the columns are IQ, level, Salary", e.Message);
    }

    [Fact]
    public void Should_report_unknown_feature_name_on_the_header_line()
    {
        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(SalaryPath, features: ["IQ", "age"]));

        // Assert
        Assert.Equal($"{SalaryPath}:1: no feature column named 'age'; the columns are IQ, level, Salary", e.Message);
    }

    [Fact]
    public void Should_report_line_and_column_of_duplicate_header_name()
    {
        // Arrange
        var path = WriteCsv("IQ,level,IQ,Salary\n3,3,3,50\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:1:3: duplicate column name 'IQ' (also column 1)", e.Message);
    }

    [Fact]
    public void Should_report_line_and_column_of_empty_header_name()
    {
        // Arrange
        var path = WriteCsv("IQ,,Salary\n3,3,50\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:1:2: empty column name in the header", e.Message);
    }

    [Fact]
    public void Should_report_header_with_a_single_column()
    {
        // Arrange
        var path = WriteCsv("Salary\n50\n");

        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(path));

        // Assert
        Assert.Equal($"{path}:1: the header has 1 column; need at least one feature and one target", e.Message);
    }

    [Fact]
    public void Should_report_target_listed_as_feature_at_the_target_column()
    {
        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(SalaryPath, features: ["IQ", "Salary"]));

        // Assert
        Assert.Equal($"{SalaryPath}:1:3: column 'Salary' is the target and cannot also be a feature", e.Message);
    }

    [Fact]
    public void Should_report_feature_listed_twice_with_file_and_header_line()
    {
        // Act
        var e = Assert.Throws<InputException>(() => CsvDataLoader.Load(SalaryPath, features: ["IQ", "level", "IQ"]));

        // Assert: like every other loader error, "path:line[:column]: what" (the column, if given, is IQ's).
        Assert.Matches($"^{Regex.Escape(SalaryPath)}:1(:1)?: feature column 'IQ' is listed twice$", e.Message);
    }
}
