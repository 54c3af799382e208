// Where attacks come from: one dot per location on the land outline, sized by how many of the newest
// bans come from there.
import { WORLD_LAND_PATH } from './world-land.js';
import { formatCount } from './format.js';

export interface MapPoint {
  readonly key: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly count: number;
  readonly label: string;
}

// Latitude 84 N to 58 S: the inhabited world, without Antarctica's wide empty band.
const VIEW = { x: 0, y: 90 - 84, width: 360, height: 84 + 58 };
const GRATICULE = [-60, -30, 0, 30, 60];

export function WorldMap(props: { points: readonly MapPoint[]; label: string }) {
  const max = Math.max(1, ...props.points.map((point) => point.count));
  const sorted = [...props.points].sort((a, b) => b.count - a.count);
  return (
    <svg className="world-map" viewBox={`${VIEW.x} ${VIEW.y} ${VIEW.width} ${VIEW.height}`} role="img" aria-label={props.label} preserveAspectRatio="xMidYMid meet">
      <g className="map-graticule" aria-hidden="true">
        {GRATICULE.map((latitude) => (
          <line key={`lat${latitude}`} x1={0} x2={360} y1={90 - latitude} y2={90 - latitude} />
        ))}
        {[-120, -60, 0, 60, 120].map((longitude) => (
          <line key={`lon${longitude}`} x1={longitude + 180} x2={longitude + 180} y1={VIEW.y} y2={VIEW.y + VIEW.height} />
        ))}
      </g>
      <path className="map-land" d={WORLD_LAND_PATH} />
      <g className="map-points">
        {/* Largest first, so small dots stay on top and visible. */}
        {sorted.map((point) => (
          <circle key={point.key} cx={point.longitude + 180} cy={90 - point.latitude} r={1.3 + Math.sqrt(point.count / max) * 4.2}>
            <title>{`${point.label}: ${formatCount(point.count)} ${point.count === 1 ? 'ban' : 'bans'}`}</title>
          </circle>
        ))}
      </g>
    </svg>
  );
}
